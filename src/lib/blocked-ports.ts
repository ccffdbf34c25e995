/**
 * The ports the Fetch standard blocks ("bad ports": mail, IRC, X11, NFS, SIP, …). Node's `fetch`
 * refuses to connect to them ("bad port") where curl and Go's HTTP client connect fine, so a node
 * served on one, or data downloaded from one, needs a clear word rather than "fetch failed".
 */
import { errorChain } from './error-chain.js';

const blocked = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

export function isBlockedPort(port: number): boolean {
  return blocked.has(port);
}

/** Whether a failed `fetch` failed because the port it was to connect to (maybe after a redirect) is blocked. */
export function isBlockedPortError(err: unknown): boolean {
  for (const e of errorChain(err)) {
    if (e.message === 'bad port') return true;
  }
  return false;
}

/**
 * Says why a request to `url` failed with "bad port": its own port is blocked, or (when it is not) a
 * redirect led to a blocked one.
 */
export function blockedPortReason(url: URL): string {
  const port = Number(url.port);
  return isBlockedPort(port)
    ? `port ${port} is one Node.js refuses to connect to (the Fetch standard blocks it)`
    : 'it redirects to a port Node.js refuses to connect to (the Fetch standard blocks it)';
}
