/**
 * `<DataDir>/bacalhau.run`: shell lines that point a client at the running node, so scripts can
 * `source` it (Bacalhau's `WriteRunInfo`). Written once the API listens, removed when the node stops.
 */
import { rmSync } from 'node:fs';
import { writeFileAtomically } from '../lib/atomic-write.js';
import { join } from 'node:path';

export const RunInfoFile = 'bacalhau.run';

/** The address a client on this machine uses: a listen-everywhere host becomes the loopback address. */
export function clientHost(listenHost: string): string {
  if (listenHost === '0.0.0.0' || listenHost === '') return '127.0.0.1';
  if (listenHost === '::') return '::1';
  return listenHost;
}

/**
 * The shell lines. A node serving HTTPS adds `API.TLS.UseTLS` and, when it made its certificate itself
 * (`API.TLS.SelfSigned`), `API.TLS.CAFile` naming it; a certificate given by the operator may need a CA
 * only they know of.
 */
export function runInfoText(
  host: string,
  port: number,
  tls?: { selfSignedFile?: string | undefined },
): string {
  return [
    `export BACALHAU_API_HOST=${clientHost(host)}`,
    `export BACALHAU_API_PORT=${port}`,
    ...(tls === undefined ? [] : ['export BACALHAU_API_TLS_USETLS=true']),
    ...(tls?.selfSignedFile === undefined
      ? []
      : [`export BACALHAU_API_TLS_CAFILE=${shellWord(tls.selfSignedFile)}`]),
    '',
  ].join('\n');
}

/** `value` as one word of a POSIX shell command: quoted unless made only of characters the shell leaves alone. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Writes `text` to the file (replacing a stale one left by a crash) and returns its path. Written aside
 * and renamed into place: a script waiting for the file never reads it half-written.
 */
export function writeRunInfo(dataDir: string, text: string): string {
  const path = join(dataDir, RunInfoFile);
  writeFileAtomically(path, text, 0o755);
  return path;
}

export function removeRunInfo(path: string): void {
  rmSync(path, { force: true });
}
