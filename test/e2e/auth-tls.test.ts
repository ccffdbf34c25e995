/**
 * The built CLI against a node served over HTTPS with a self-signed certificate (a TLS-terminating proxy
 * on 127.0.0.1 in front of a live node): refused in one line that names the fix, and working with
 * `API.TLS.CAFile`, `API.TLS.Insecure` or a profile saved with `--insecure`, for API requests and the log
 * stream's WebSocket alike.
 */
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBuilt } from '../helpers/built-cli.js';
import type { CliRun } from '../helpers/cli.js';
import {
  makeSelfSignedCert,
  selfSignedUnavailable,
  type SelfSignedCert,
} from '../helpers/self-signed-cert.js';
import { startLiveNode, type LiveNode } from './live-node.js';

const unavailable = selfSignedUnavailable();

let live: LiveNode;
let cert: SelfSignedCert;
let proxy: Server;
const sockets = new Set<Socket>();
let address: string;
let clientDir: string;

beforeAll(async () => {
  if (unavailable !== undefined) return;
  await ensureBuilt();
  live = await startLiveNode();
  cert = makeSelfSignedCert();
  // Terminates TLS and passes the bytes on to the node: HTTP requests and WebSocket upgrades alike.
  proxy = createServer({ key: cert.key, cert: cert.cert }, (secure) => {
    const plain = connect(live.node.apiPort, '127.0.0.1');
    for (const s of [secure, plain]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    secure.pipe(plain).pipe(secure);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  address = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  clientDir = join(live.dataDir, 'tls-client');
});
afterAll(async () => {
  if (unavailable !== undefined) return;
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => proxy.close(resolve));
  cert.remove();
  await live.stop();
});

/** The built CLI pointed at the HTTPS address by host URL and port, as `--api-host https://…` does. */
function overTls(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const url = new URL(address);
  return runBuilt(args, {
    env: {
      HOME: live.dataDir,
      BACALHAU_DIR: clientDir,
      BACALHAU_API_HOST: `https://${url.hostname}`,
      BACALHAU_API_PORT: url.port,
      ...env,
    },
    cwd: live.dataDir,
  });
}

const untrusted = (fix: string) =>
  `\nError: could not get server alive: the TLS certificate of ${address} is not trusted (self-signed certificate): ${fix}\n`;
const configFix =
  'set API.TLS.CAFile to the certificate of the CA that signed it, or API.TLS.Insecure=true to skip verification (e.g. -c API.TLS.Insecure=true)';

describe.skipIf(unavailable !== undefined)('client TLS', () => {
  it('refuses a self-signed certificate in one line naming the settings to change', async () => {
    const alive = await overTls(['agent', 'alive']);
    expect(alive.code).toBe(1);
    expect(alive.stdout).toBe('');
    expect(alive.stderr).toBe(untrusted(configFix));
  });

  it('trusts it with API.TLS.CAFile (flag or environment) or API.TLS.Insecure', async () => {
    for (const run of [
      overTls(['agent', 'alive', '-c', `API.TLS.CAFile=${cert.certFile}`]),
      overTls(['agent', 'alive'], { BACALHAU_API_TLS_CAFILE: cert.certFile }),
      overTls(['agent', 'alive', '-c', 'API.TLS.Insecure=true']),
      overTls(['agent', 'alive'], { BACALHAU_API_TLS_INSECURE: 'true' }),
    ]) {
      const alive = await run;
      expect(alive.stderr).toBe('');
      expect(alive.stdout).toBe('Status: OK\n');
    }
  });

  it('applies the same trust to the log stream’s WebSocket', async () => {
    const submitted = await overTls(
      ['docker', 'run', '--id-only', '--wait=false', 'busybox:1.37.0', 'echo', 'hi'],
      {
        BACALHAU_API_TLS_CAFILE: cert.certFile,
      },
    );
    expect(submitted.stderr).toBe('');
    const id = submitted.stdout.trim();
    // The stream opens over wss:// and the node answers on it (there is no execution to stream from).
    const logs = await overTls(['job', 'logs', id], { BACALHAU_API_TLS_CAFILE: cert.certFile });
    expect(logs.stderr).toContain(`error received from server: failed to open log stream for job ${id}`);
    const refused = await overTls(['job', 'logs', id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^\nError: .*the TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted/,
    );
    expect(refused.stderr.split('\n')).toHaveLength(3); // a blank line, then one line
  });

  it('a profile is trusted when saved with --insecure, and the error says so', async () => {
    const viaProfile = (args: string[]) =>
      runBuilt(args, { env: { HOME: live.dataDir, BACALHAU_DIR: clientDir }, cwd: live.dataDir });
    expect((await viaProfile(['profile', 'save', 'tls', '--endpoint', address, '--select'])).code).toBe(0);
    const refused = await viaProfile(['agent', 'alive']);
    expect(refused.stderr).toBe(
      untrusted("to skip verification for this profile, run 'bacalhau profile save tls --insecure'"),
    );
    expect((await viaProfile(['profile', 'save', 'tls', '--insecure'])).code).toBe(0);
    expect((await viaProfile(['agent', 'alive'])).stdout).toBe('Status: OK\n');
  });

  it('says that a plain HTTP server does not speak TLS, and how to connect', async () => {
    const run = await runBuilt(['agent', 'alive'], {
      env: {
        HOME: live.dataDir,
        BACALHAU_DIR: clientDir,
        BACALHAU_API_HOST: 'https://127.0.0.1',
        BACALHAU_API_PORT: String(live.node.apiPort),
      },
      cwd: live.dataDir,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `the API server at https://127.0.0.1:${live.node.apiPort} does not speak TLS: it answered in plain HTTP`,
    );
    expect(run.stderr).toContain('Hint:  Connect with http:// instead');
  });

  it('names a CA file that cannot be used', async () => {
    const missing = await overTls(['agent', 'alive', '-c', 'API.TLS.CAFile=/nonexistent/ca.pem']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      '\nError: API.TLS.CAFile: CA certificate file "/nonexistent/ca.pem" does not exist; ' +
        "point it at the PEM file of the CA that signed the node's certificate\n",
    );
    const notPem = join(live.dataDir, 'not-a-certificate.txt');
    writeFileSync(notPem, 'hello');
    expect((await overTls(['agent', 'alive', '-c', `API.TLS.CAFile=${notPem}`])).stderr).toBe(
      `\nError: API.TLS.CAFile: "${notPem}" holds no PEM certificate; ` +
        "point it at the PEM file of the CA that signed the node's certificate\n",
    );
  });
});
