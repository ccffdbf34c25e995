// Proves that what scripts/provision-test-env.sh provisions really works: the Docker engine runs the
// local busybox image, nats-server answers with JetStream, and the WASM fixtures run under node:wasi.
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  describeWithEnv,
  dockerEnv,
  importWasi,
  requireDocker,
  requireNats,
  requireWasmModule,
  webAssembly,
  type DockerEnv,
} from '../helpers/test-env.js';

const execFileAsync = promisify(execFile);

describe('docker', () => {
  // every container started here carries this label, so afterAll can remove any a failed test left
  const label = `org.bacalhau-ts.test=environment-${process.pid}`;
  let docker: DockerEnv | undefined;

  const run = (env: DockerEnv, args: string[]) =>
    execFileAsync(env.cli, args, { env: { ...process.env, DOCKER_HOST: env.host }, timeout: 30_000 });

  afterAll(async () => {
    if (!docker) return;
    const { stdout } = await run(docker, ['ps', '--all', '--quiet', '--filter', `label=${label}`]);
    const leftovers = stdout.split('\n').filter(Boolean);
    if (leftovers.length > 0) await run(docker, ['rm', '--force', ...leftovers]);
  });

  it('runs local/busybox with no network and prints hello', async (ctx) => {
    docker = requireDocker(ctx);
    const { stdout } = await run(docker, [
      'run',
      '--rm',
      '--label',
      label,
      '--network',
      'none',
      docker.image,
      'echo',
      'hello',
    ]);
    expect(stdout).toBe('hello\n');
  });

  it('has the busybox applets tests rely on', async (ctx) => {
    docker = requireDocker(ctx);
    const applets = ['sh', 'echo', 'cat', 'ls', 'sleep', 'env', 'printf', 'wc', 'head', 'true', 'false'];
    const script = `for a in ${applets.join(' ')}; do command -v "$a" >/dev/null || echo "missing $a"; done; ls -d /tmp`;
    const { stdout } = await run(docker, [
      'run',
      '--rm',
      '--label',
      label,
      '--network',
      'none',
      docker.image,
      'sh',
      '-c',
      script,
    ]);
    expect(stdout).toBe('/tmp\n');
  });

  it('reports a container exit code', async (ctx) => {
    docker = requireDocker(ctx);
    const result = await run(docker, [
      'run',
      '--rm',
      '--label',
      label,
      '--network',
      'none',
      docker.image,
      'sh',
      '-c',
      'exit 3',
    ]).then(
      () => ({ code: 0 }),
      (err: { code?: number }) => ({ code: err.code }),
    );
    expect(result.code).toBe(3);
  });
});

// the same requirement at suite level, for suites whose hooks need the environment
describeWithEnv('docker image local/busybox', dockerEnv(), (docker) => {
  let labels: Record<string, string> = {};
  beforeAll(async () => {
    const { stdout } = await execFileAsync(
      docker.cli,
      ['image', 'inspect', '--format', '{{json .Config.Labels}}', docker.image],
      { env: { ...process.env, DOCKER_HOST: docker.host } },
    );
    labels = JSON.parse(stdout) as Record<string, string>;
  });

  it('was built from Debian busybox-static by the provisioning script', () => {
    expect(labels['org.bacalhau-ts.busybox-version']).toMatch(/^v1\./);
  });
});

/** A raw NATS protocol connection: enough to read INFO and make one request, without a client library. */
class RawNats {
  private buffer = '';
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static open(host: string, port: number): Promise<RawNats> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('connect', () => resolve(new RawNats(socket)));
      socket.once('error', reject);
    });
  }

  /** Resolves with the next CRLF-terminated line, consuming it. */
  async line(timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end >= 0) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        return line;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line from NATS within ${timeoutMs} ms (have: ${this.buffer})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(text: string): void {
    this.socket.write(text);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }
}

describe('nats', () => {
  const open: RawNats[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  it('announces JetStream in its INFO line', async (ctx) => {
    const nats = requireNats(ctx);
    const conn = await RawNats.open(nats.host, nats.port);
    open.push(conn);
    const info = await conn.line();
    expect(info.startsWith('INFO ')).toBe(true);
    const parsed = JSON.parse(info.slice('INFO '.length)) as { jetstream?: boolean; version: string };
    expect(parsed.jetstream).toBe(true);
    expect(parsed.version).toBe(nats.serverVersion);
  });

  it('answers a JetStream API request ($JS.API.INFO)', async (ctx) => {
    const nats = requireNats(ctx);
    const conn = await RawNats.open(nats.host, nats.port);
    open.push(conn);
    await conn.line(); // INFO
    conn.send('CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\n');
    conn.send('SUB _INBOX.environment-test 1\r\n');
    conn.send('PUB $JS.API.INFO _INBOX.environment-test 0\r\n\r\n');
    let header = await conn.line();
    while (!header.startsWith('MSG ')) {
      if (header.startsWith('-ERR')) throw new Error(`NATS error: ${header}`);
      header = await conn.line();
    }
    const reply = JSON.parse(await conn.line()) as { type: string; error?: unknown; api?: unknown };
    expect(reply.type).toBe('io.nats.jetstream.api.v1.account_info_response');
    expect(reply.error).toBeUndefined();
  });
});

describe('wasm', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a module under node:wasi with stdout and stderr captured in files; returns the exit code. */
  async function runWasi(
    path: string,
    args: string[],
    preopens: Record<string, string> = {},
  ): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-wasm-'));
    dirs.push(dir);
    const stdoutPath = join(dir, 'stdout');
    const stderrPath = join(dir, 'stderr');
    const stdout = openSync(stdoutPath, 'w');
    const stderr = openSync(stderrPath, 'w');
    try {
      const WASI = await importWasi();
      const wasi = new WASI({
        version: 'preview1',
        args: ['', ...args], // argv[0] is empty, as in Bacalhau's WASM executor
        env: { GREETING: 'hi' },
        preopens,
        stdout,
        stderr,
        returnOnExit: true,
      });
      const module = await webAssembly.compile(await readFile(path));
      const instance = await webAssembly.instantiate(module, wasi.getImportObject());
      const exitCode = wasi.start(instance);
      return { exitCode, stdout: readFileSync(stdoutPath, 'utf8'), stderr: readFileSync(stderrPath, 'utf8') };
    } finally {
      closeSync(stdout);
      closeSync(stderr);
    }
  }

  it('hello.wasm prints Hello, world!', async (ctx) => {
    const result = await runWasi(requireWasmModule(ctx, 'hello'), []);
    expect(result).toEqual({ exitCode: 0, stdout: 'Hello, world!\n', stderr: '' });
  });

  it('exit_code.wasm exits with the code it is given', async (ctx) => {
    const path = requireWasmModule(ctx, 'exit_code');
    expect((await runWasi(path, ['0'])).exitCode).toBe(0);
    expect((await runWasi(path, ['7'])).exitCode).toBe(7);
    expect((await runWasi(path, ['255'])).exitCode).toBe(255);
  });

  it('env.wasm prints the environment it is given', async (ctx) => {
    const result = await runWasi(requireWasmModule(ctx, 'env'), []);
    expect(result.stdout).toBe('GREETING=hi\n');
  });

  it('stderr.wasm writes to both streams', async (ctx) => {
    const result = await runWasi(requireWasmModule(ctx, 'stderr'), ['2']);
    expect(result).toEqual({ exitCode: 0, stdout: 'stdout 1\nstdout 2\n', stderr: 'stderr 1\nstderr 2\n' });
  });

  it('cat.wasm reads a preopened file and write_file.wasm writes one', async (ctx) => {
    const cat = requireWasmModule(ctx, 'cat');
    const writeFile = requireWasmModule(ctx, 'write_file');
    const data = mkdtempSync(join(tmpdir(), 'bacalhau-ts-wasm-data-'));
    dirs.push(data);
    writeFileSync(join(data, 'in.txt'), 'some input\n');
    const read = await runWasi(cat, ['/data/in.txt'], { '/data': data });
    expect(read).toEqual({ exitCode: 0, stdout: 'some input\n', stderr: '' });
    const wrote = await runWasi(writeFile, ['/data/out.txt', 'result'], { '/data': data });
    expect(wrote.exitCode).toBe(0);
    expect(readFileSync(join(data, 'out.txt'), 'utf8')).toBe('result');
  });

  it('noop.wasm starts and returns', async (ctx) => {
    const result = await runWasi(requireWasmModule(ctx, 'noop'), []);
    expect(result).toEqual({ exitCode: 0, stdout: '', stderr: '' });
  });
});
