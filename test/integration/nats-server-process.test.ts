/**
 * The orchestrator's supervised nats-server, a real child process: token auth (including a token that
 * needs quoting), a free port on request, a clear error for a taken port, restart after a crash on the
 * same port, and the server a killed orchestrator left behind being replaced.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, errors as natsErrors } from '@nats-io/transport-node';
import { afterEach, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../../src/models/index.js';
import { renderNatsServerConfig } from '../../src/transport/nats/server-config.js';
import { findNatsServer, NatsServerProcess } from '../../src/transport/nats/server-process.js';
import { describeWithEnv, natsEnv, REPO_ROOT } from '../helpers/test-env.js';
import { freePort } from '../helpers/ports.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-natsproc-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function startServer(
  dir: string,
  settings: { token?: string; port?: number } = {},
  onProblem?: (message: string) => void,
): Promise<NatsServerProcess> {
  const server = await NatsServerProcess.start({
    workDir: dir,
    settings: { serverName: 'n-test', host: '127.0.0.1', port: settings.port ?? 0, ...settings },
    ...(onProblem === undefined ? {} : { onProblem }),
  });
  cleanups.push(() => server.stop());
  return server;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeWithEnv('supervised nats-server', natsEnv(), () => {
  it('accepts clients with the token only, and keeps the token out of the command line', async () => {
    const dir = workDir();
    const token = 'se"cr$et\\x';
    const server = await startServer(dir, { token });
    expect(server.port).toBeGreaterThan(0);
    const nc = await connect({ servers: server.clientURL, token });
    await nc.flush();
    await nc.close();
    await expect(connect({ servers: server.clientURL, token: 'wrong' })).rejects.toBeInstanceOf(
      natsErrors.AuthorizationError,
    );
    const cmdline = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8');
    expect(cmdline).not.toContain('cr$et');
    expect(statSync(join(dir, 'nats-server.conf')).mode & 0o077).toBe(0);
  });

  it('refuses a taken port with the Orchestrator.Port hint', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const error = await startServer(workDir(), { port }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BacalhauError);
    expect((error as BacalhauError).code).toBe(ErrorCode.ResourceInUse);
    expect((error as BacalhauError).message).toBe(`orchestrator port ${port} is already in use`);
    expect((error as BacalhauError).hint).toContain('Orchestrator.Port');
  });

  it('restarts a crashed server on the same port, and clients reconnect', async () => {
    const problems: string[] = [];
    const server = await startServer(workDir(), {}, (m) => problems.push(m));
    const nc = await connect({ servers: server.clientURL, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
    cleanups.push(() => nc.close());
    const reconnected = (async () => {
      for await (const status of nc.status()) if (status.type === 'reconnect') return;
    })();
    const firstPid = server.pid ?? 0;
    process.kill(firstPid, 'SIGKILL');
    await until(() => server.pid !== firstPid && server.pid !== undefined && isAlive(server.pid));
    expect(problems[0]).toMatch(/nats-server exited unexpectedly \(SIGKILL\); restarting/);
    await reconnected;
    await nc.flush();
    expect(server.port).toBe(Number(new URL(server.clientURL).port));
  });

  it('replaces the server a killed orchestrator left running, on the same port', async () => {
    const dir = workDir();
    const port = await freePort();
    // What a kill -9'd orchestrator leaves: its nats-server, started on this dir's config and pid file.
    writeFileSync(
      join(dir, 'nats-server.conf'),
      renderNatsServerConfig({ serverName: 'n-old', host: '127.0.0.1', port }),
    );
    const leftover = spawn(
      findNatsServer(),
      ['-c', join(dir, 'nats-server.conf'), '-P', join(dir, 'nats-server.pid')],
      { stdio: 'ignore' },
    );
    cleanups.push(() => void leftover.kill('SIGKILL'));
    await until(() => existsSync(join(dir, 'nats-server.pid')));
    const next = await startServer(dir, { port });
    expect(leftover.pid === undefined ? false : isAlive(leftover.pid)).toBe(false);
    expect(next.port).toBe(port);
  });

  it('runs the server in a process group of its own, out of reach of a Ctrl+C meant for the node', async () => {
    const server = await startServer(workDir());
    const group = (pid: number): string =>
      readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[2] ?? '';
    expect(group(server.pid ?? 0)).toBe(String(server.pid));
    expect(group(server.pid ?? 0)).not.toBe(group(process.pid));
  });

  /** Starts a server in a node process that then ends with `exit`, and returns the server's pid. */
  async function serverOfEndedNode(exit: string): Promise<number> {
    const dir = workDir();
    const module = join(REPO_ROOT, 'src/transport/nats/server-process.ts');
    const script =
      `const { NatsServerProcess } = await import(${JSON.stringify(module)});` +
      `const s = await NatsServerProcess.start({ workDir: ${JSON.stringify(dir)}, ` +
      `settings: { serverName: 'n-test', host: '127.0.0.1', port: 0 } });` +
      `console.log(s.pid); ${exit};`;
    const node = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    node.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await once(node, 'exit');
    const pid = Number(out.trim());
    expect(pid).toBeGreaterThan(0);
    cleanups.push(() => void (isAlive(pid) && process.kill(pid, 'SIGKILL')));
    return pid;
  }

  it('ends the server with a node process that exits without stopping it (a second Ctrl+C)', async () => {
    const pid = await serverOfEndedNode('process.exit(130)');
    await until(() => !isAlive(pid));
  });

  it('ends the server with a node process killed with SIGKILL', async () => {
    const pid = await serverOfEndedNode("process.kill(process.pid, 'SIGKILL')");
    await until(() => !isAlive(pid));
  });

  it('stops the server and forgets its pid file', async () => {
    const dir = workDir();
    const server = await startServer(dir);
    const pid = server.pid ?? 0;
    await server.stop();
    expect(isAlive(pid)).toBe(false);
    expect(() => statSync(join(dir, 'nats-server.pid'))).toThrow();
  });
});
