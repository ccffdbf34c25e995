/**
 * `<DataDir>/bacalhau.run`: shell lines that point a client at the running node, so scripts can
 * `source` it (Bacalhau's `WriteRunInfo`). Written once the API listens, removed when the node stops.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RunInfoFile = 'bacalhau.run';

/** The address a client on this machine uses: a listen-everywhere host becomes the loopback address. */
export function clientHost(listenHost: string): string {
  if (listenHost === '0.0.0.0' || listenHost === '') return '127.0.0.1';
  if (listenHost === '::') return '::1';
  return listenHost;
}

/** The shell lines; a node serving HTTPS adds `API.TLS.UseTLS` (its CA, if private, is the user's to give). */
export function runInfoText(host: string, port: number, tls = false): string {
  const useTls = tls ? 'export BACALHAU_API_TLS_USETLS=true\n' : '';
  return `export BACALHAU_API_HOST=${clientHost(host)}\nexport BACALHAU_API_PORT=${port}\n${useTls}`;
}

/**
 * Writes the file (replacing a stale one left by a crash) and returns its path. Written aside and
 * renamed into place: a script waiting for the file never reads it half-written.
 */
export function writeRunInfo(dataDir: string, host: string, port: number, tls = false): string {
  const path = join(dataDir, RunInfoFile);
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, runInfoText(host, port, tls), { mode: 0o755 });
  renameSync(partial, path);
  return path;
}

export function removeRunInfo(path: string): void {
  rmSync(path, { force: true });
}
