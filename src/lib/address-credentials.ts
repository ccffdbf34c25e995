/**
 * Credentials written into a server address (`nats://token@host:4222`, `nats://user:pass@host:4222`),
 * hidden before the address is shown. The scheme is optional, as NATS clients (ours in
 * transport/nats/connection.ts, and Go's) take `token@host:4222` too.
 */
const Userinfo = /^([a-z][a-z0-9+.-]*:\/\/)?[^@/]*@/i;

/** `address` with its credentials replaced by `mask`, or left out (with their `@`) without one. */
export function hideCredentials(address: string, mask?: string): string {
  return address.replace(Userinfo, (_all, scheme: string | undefined) =>
    mask === undefined ? (scheme ?? '') : `${scheme ?? ''}${mask}@`,
  );
}
