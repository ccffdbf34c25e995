/**
 * Binding the API's address, with a clear error naming the setting to change when it cannot be bound:
 * a port in use, an address that is not this host's, a host name that does not resolve.
 */
import { listenProbe } from '../lib/listen-probe.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';

/** The component of serve's own errors. */
export const ServeComponent = 'Serve';

/**
 * Fails before the node's parts start when the API port is taken: a compute node would otherwise
 * register with its orchestrator first and leave a stray DISCONNECTED entry in its node list.
 */
export async function checkApiPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const refused = await listenProbe(port, host);
  if (refused !== undefined) throw listenError(refused, host, port);
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
