/**
 * Binding the API's address, with a clear error naming the setting to change when it cannot be bound:
 * a port in use, an address that is not this host's, a host name that does not resolve; and the node's
 * own listeners kept on distinct ports.
 */
import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { addressOfType, isAddressType } from '../publisher/index.js';
import { listenProbe } from '../lib/listen-probe.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';

/** The component of serve's own errors. */
export const ServeComponent = 'Serve';

/**
 * API.Host as Bacalhau's `serve` reads it (`parseServerAPIHost`): an address type (`private`, `public`,
 * `local`/`localhost`/`loopback`, `linklocal`, `multicast`, `any`) stands for this host's first IPv4
 * address of that kind, so `-c API.Host=private` listens on the LAN address; a host with none of that
 * kind is refused, in Go's words. Any other host is kept as written (Go refuses names that are not
 * IPs; we let the listen resolve them).
 */
export function resolveApiHost(
  host: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string {
  if (!isAddressType(host)) return host;
  const address = addressOfType(host, interfaces);
  if (address !== undefined) return address;
  throw new BacalhauError(`no ${host} addresses found for Server API Host`, {
    code: ErrorCode.ConfigurationError,
    component: ServeComponent,
    hint: 'set API.Host (--api-host) to an address of this host, or 0.0.0.0 for every one',
  });
}

/**
 * Fails before the node's parts start when the API port is taken: a compute node would otherwise
 * register with its orchestrator first and leave a stray DISCONNECTED entry in its node list.
 */
export async function checkApiPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const refused = await listenProbe(port, host);
  if (refused !== undefined) throw listenError(refused, host, port);
}

/** One address the node listens on, named by the setting that chooses its port. */
export interface OwnListener {
  readonly setting: string;
  readonly host: string;
  readonly port: number;
}

/**
 * Refuses two of the node's own listeners on one port before anything binds: the second would fail
 * with "the port is already in use", blaming another process for what is the node's own settings.
 * Port 0 (any free port) never clashes; two distinct specific addresses may share a port.
 */
export function checkOwnPortsDistinct(listeners: readonly OwnListener[]): void {
  listeners.forEach((second, i) => {
    const first = listeners
      .slice(0, i)
      .find((l) => l.port !== 0 && l.port === second.port && overlap(l.host, second.host));
    if (first === undefined) return;
    throw new BacalhauError(
      `${first.setting} and ${second.setting} are both port ${second.port}: this node would listen on it twice`,
      {
        code: ErrorCode.ConfigurationError,
        component: ServeComponent,
        hint: `give each its own port, e.g. -c ${second.setting}=<another port>`,
      },
    );
  });
}

/**
 * Whether two hosts take the port on a common address: '' and '::' take it on every address (dual
 * stack), 0.0.0.0 on every IPv4 one (a name counts as one: it may resolve to one), others their own.
 */
function overlap(a: string, b: string): boolean {
  if (a === b || a === '' || b === '' || a === '::' || b === '::') return true;
  return (a === '0.0.0.0' && isIP(b) !== 6) || (b === '0.0.0.0' && isIP(a) !== 6);
}

export function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new BacalhauError(`cannot listen on ${host}:${port}: the port is already in use`, {
      code: ErrorCode.ResourceInUse,
      component: ServeComponent,
      hint: 'stop the process using it, or choose another port with --api-port (or -c API.Port=<port>)',
      cause: err,
    });
  }
  // EADDRNOTAVAIL: not an address of this host; ENOTFOUND / EAI_AGAIN: a name that does not resolve
  if (['EADDRNOTAVAIL', 'EACCES', 'ENOTFOUND', 'EAI_AGAIN'].includes(code ?? '')) {
    return new BacalhauError(`cannot listen on ${host}:${port}: ${(err as Error).message}`, {
      code: ErrorCode.ConfigurationError,
      component: ServeComponent,
      hint: 'check API.Host and API.Port (--api-host, --api-port)',
      cause: err,
    });
  }
  return err;
}
