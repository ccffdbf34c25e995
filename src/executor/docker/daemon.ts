/**
 * Where the Docker daemon is: `DOCKER_HOST` (`unix:///path`, `tcp://host:port`, with
 * `DOCKER_TLS_VERIFY` / `DOCKER_CERT_PATH` as the docker CLI reads them), else `/var/run/docker.sock`.
 */
import Docker from 'dockerode';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { DockerComponent } from '../../models/engines/docker.js';

export const DefaultSocketPath = '/var/run/docker.sock';

export interface DaemonConnection {
  docker: Docker;
  /** The daemon's unix socket on this host, or undefined for a remote (tcp) daemon. */
  socketPath: string | undefined;
  /** Where the daemon is, for messages: `unix:///var/run/docker.sock`, `tcp://host:2376`. */
  address: string;
}

export function connectDaemon(): DaemonConnection {
  const socketPath = daemonSocketPath(process.env['DOCKER_HOST']);
  if (socketPath !== undefined) {
    return { docker: new Docker({ socketPath }), socketPath, address: `unix://${socketPath}` };
  }
  try {
    // dockerode reads DOCKER_HOST and the TLS variables itself for every non-unix address
    return { docker: new Docker(), socketPath: undefined, address: process.env['DOCKER_HOST'] ?? '' };
  } catch (err) {
    throw new BacalhauError(
      `DOCKER_HOST ${JSON.stringify(process.env['DOCKER_HOST'])} is not usable: ${String(err)}`,
      {
        code: ErrorCode.ConfigurationError,
        component: DockerComponent,
        hint: 'Set DOCKER_HOST to unix:///path/to/docker.sock or tcp://host:port, or unset it for /var/run/docker.sock',
        cause: err,
      },
    );
  }
}

/** The unix socket `dockerHost` names (the default when unset or empty), or undefined for tcp. */
export function daemonSocketPath(dockerHost: string | undefined): string | undefined {
  if (dockerHost === undefined || dockerHost === '') return DefaultSocketPath;
  if (dockerHost.startsWith('unix://')) return dockerHost.slice('unix://'.length) || DefaultSocketPath;
  return undefined;
}
