/** `bacalhau serve` itself: the run-info file, graceful stop, refusals, and an unreachable node. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, requireWasmModule } from '../helpers/test-env.js';
import { cli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { makeSelfSignedCert, selfSignedUnavailable } from '../helpers/self-signed-cert.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-serve-'));
});
/** Processes a test started, killed at its end if still running (a failed assertion skips its stop). */
const processes: ChildProcess[] = [];
afterEach(() => {
  for (const child of processes.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const runInfo = (): string => join(dir, 'bacalhau.run');

/** Resolves once `path` exists (the node writes it when its API listens). */
async function waitForFile(path: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return readFileSync(path, 'utf8');
}

/**
 * Resolves once `node` has written bacalhau.run and then `text` on stderr (the CLI prints its start
 * warnings just after the node writes the file); the file's content.
 */
async function startedSaying(node: ServeProcess, text: string): Promise<string> {
  const runInfoText = await waitForFile(runInfo(), 30_000);
  await expect.poll(() => node.stderr(), { timeout: 10_000 }).toContain(text);
  return runInfoText;
}

function portOf(text: string): string {
  return /export BACALHAU_API_PORT=(\d+)/.exec(text)?.[1] ?? '';
}

/** `serve` on a random loopback port with this test's data dir, plus `extra` flags. */
const serveArgs = (...extra: string[]): string[] => [
  'serve',
  '--data-dir',
  dir,
  '--api-host',
  '127.0.0.1',
  '--api-port',
  '0',
  // Several nodes may run at once in the test run: the local publisher and the orchestrator's NATS
  // server take any free port.
  '-c',
  'Publishers.Types.Local.Port=0',
  '-c',
  'Orchestrator.Host=127.0.0.1',
  '-c',
  'Orchestrator.Port=0',
  ...extra,
];

/** The command line of `serve` with `extra` flags, run from the sources. */
const serveCommand = (...extra: string[]): string[] => [
  process.execPath,
  '--import',
  'tsx',
  join(REPO_ROOT, 'src/main.ts'),
  ...serveArgs(...extra),
];

interface ServeProcess {
  readonly child: ChildProcess;
  /** What it wrote so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Its exit code, once it exits. */
  readonly exited: Promise<number | null>;
}

/** `serve` with `extra` flags as a process of its own, with this test's HOME and `env`. */
function startServeWith(env: Record<string, string>, ...extra: string[]): ServeProcess {
  const [binary = '', ...args] = serveCommand(...extra);
  const child = spawn(binary, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, HOME: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** `serve` with `extra` flags as a process of its own, with this test's HOME. */
function startServe(...extra: string[]): ServeProcess {
  return startServeWith({}, ...extra);
}

describe('serve in-process', () => {
  it('writes bacalhau.run, serves the API, and removes the file on stop', async () => {
    const stop = new AbortController();
    const env = { HOME: dir };
    const serving = cli(serveArgs('--name', 'n-test'), {
      env,
      signal: stop.signal,
    });
    const text = await waitForFile(runInfo());
    expect(text).toMatch(/^export BACALHAU_API_HOST=127\.0\.0\.1\nexport BACALHAU_API_PORT=\d+\n$/);
    const client = { ...env, BACALHAU_API_HOST: '127.0.0.1', BACALHAU_API_PORT: portOf(text) };
    const node = await cli(['agent', 'node', '--output', 'json'], { env: client });
    // both roles: the node describes itself as Go's does, a Compute node with its engines
    const info = JSON.parse(node.stdout) as { ComputeNodeInfo: { ExecutionEngines: string[] } };
    expect(info).toMatchObject({ NodeID: 'n-test', NodeType: 'Compute' });
    expect(info.ComputeNodeInfo.ExecutionEngines).toContain('wasm');
    stop.abort();
    const run = await serving;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'Bacalhau node n-test is running (orchestrator and compute).\n' +
        `API: http://127.0.0.1:${portOf(text)}\n` +
        'Other compute nodes cannot join this node: start it with --orchestrator --compute to let them join over NATS.\n',
    );
    expect(run.stdout.endsWith('Stopping the node...\nNode stopped.\n')).toBe(true);
    // nothing but the warning these tests' publisher port (0) earns
    expect(run.stderr).toMatch(/^Warning: Publishers\.Types\.Local\.Port: 0 picks a new port [^\n]*\n$/);
    expect(existsSync(runInfo())).toBe(false);
    // The name is kept: a later --name is ignored with a warning.
    const again = new AbortController();
    const second = cli(serveArgs('--orchestrator', '--name', 'other'), {
      env,
      signal: again.signal,
    });
    await waitForFile(runInfo());
    again.abort();
    const secondRun = await second;
    expect(secondRun.stdout).toContain('Bacalhau node n-test is running');
    expect(secondRun.stderr).toBe(
      'Warning: --name flag with value other ignored. Name n-test already exists\n',
    );
  });

  it('a port in use is one clear error line', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const run = await cli([...serveArgs('--orchestrator'), '--api-port', String(port)], {
        env: { HOME: dir },
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `\nError: cannot listen on 127.0.0.1:${port}: the port is already in use\n` +
          'Hint:  stop the process using it, or choose another port with --api-port (or -c API.Port=<port>)\n',
      );
      expect(existsSync(runInfo())).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("two of the node's own ports set alike are named as settings, not blamed on another process", async () => {
    const port = String(await freePort());
    const both = await cli([...serveArgs('--api-port', port), '-c', `Publishers.Types.Local.Port=${port}`], {
      env: { HOME: dir },
    });
    expect(both.code).toBe(1);
    expect(both.stderr).toBe(
      `\nError: API.Port and Publishers.Types.Local.Port are both port ${port}: this node would listen on it twice\n` +
        'Hint:  give each its own port, e.g. -c Publishers.Types.Local.Port=<another port>\n',
    );
    const nats = await cli(
      [...serveArgs('--orchestrator', '--api-port', port), '-c', `Orchestrator.Port=${port}`],
      {
        env: { HOME: dir },
      },
    );
    expect(nats.stderr).toContain(`Error: API.Port and Orchestrator.Port are both port ${port}`);
    // a publisher Address that is not loopback is only what download URLs name: it listens everywhere
    const everywhere = await cli(
      [
        ...serveArgs('--api-port', port),
        '-c',
        `Publishers.Types.Local.Port=${port}`,
        '-c',
        'Publishers.Types.Local.Address=192.0.2.1',
      ],
      { env: { HOME: dir } },
    );
    expect(everywhere.stderr).toContain(
      `Error: API.Port and Publishers.Types.Local.Port are both port ${port}`,
    );
    expect(existsSync(runInfo())).toBe(false);
  });

  it('a taken orchestrator port is one clear error line', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const run = await cli([...serveArgs('--orchestrator'), '-c', `Orchestrator.Port=${port}`], {
        env: { HOME: dir },
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `\nError: orchestrator port ${port} is already in use\n` +
          'Hint:  stop the other process using this port, or choose another one with -c Orchestrator.Port=<port>\n',
      );
      expect(existsSync(runInfo())).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('a port the Fetch standard blocks', () => {
  it('is warned about at start, naming the key; the CLI still reaches the API on it', async () => {
    const node = startServe('--orchestrator', '-c', 'API.Port=6666');
    await startedSaying(
      node,
      'API.Port: port 6666 is one fetch refuses to connect to (the Fetch standard blocks it), so web ' +
        'browsers cannot reach it (a web UI included); choose another port with -c API.Port=<port>',
    );
    const run = await cli(['agent', 'alive', '--api-host', '127.0.0.1', '--api-port', '6666'], {
      env: { HOME: dir },
    });
    expect([run.code, run.stdout.trim()]).toEqual([0, 'Status: OK']);
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
  });
});

describe('a local publisher on port 0', () => {
  it('is warned about at start: the results it publishes are unreachable after a restart', async () => {
    const node = startServe(); // these tests' nodes publish on port 0
    await startedSaying(
      node,
      'Publishers.Types.Local.Port: 0 picks a new port at every start, so results this node publishes ' +
        "locally cannot be downloaded with 'job get' once it restarts; set a fixed port to keep them reachable",
    );
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
  });
});

describe('API.TLS', () => {
  const noOpenssl = selfSignedUnavailable();

  it.skipIf(noOpenssl !== undefined)(
    'serves HTTPS with CertFile and KeyFile, and bacalhau.run says to use TLS',
    async () => {
      const cert = makeSelfSignedCert();
      try {
        const keyFile = join(dir, 'key.pem');
        writeFileSync(keyFile, cert.key);
        const node = startServe(
          '--orchestrator',
          '-c',
          `API.TLS.CertFile=${cert.certFile}`,
          '-c',
          `API.TLS.KeyFile=${keyFile}`,
        );
        const text = await waitForFile(runInfo(), 30_000);
        expect(text).toContain('export BACALHAU_API_TLS_USETLS=true\n');
        const port = portOf(text);
        const alive = await httpsGet(`https://127.0.0.1:${port}/api/v1/agent/alive`, cert.cert);
        expect(JSON.parse(alive)).toEqual({ Status: 'OK' });
        // plain HTTP on the TLS port: Go's 400, which the CLI explains (before: a reset connection)
        const plain = await cli(['agent', 'alive', '--api-host', '127.0.0.1', '--api-port', port], {
          env: { HOME: dir },
        });
        expect(plain.stderr).toContain(
          'Error: the API server speaks TLS (https://) and this request was plain HTTP\n' +
            'Hint:  Set API.TLS.UseTLS=true (or give the host as https://<host>)',
        );
        await expect
          .poll(() => node.stdout(), { timeout: 10_000 })
          .toContain(`API: https://127.0.0.1:${port}`);
        node.child.kill('SIGTERM');
        expect(await node.exited).toBe(0);
      } finally {
        cert.remove();
      }
    },
  );

  it('makes a self-signed certificate that the CLI trusts with the file it names', async () => {
    const node = startServe('--orchestrator', '-c', 'API.TLS.SelfSigned=true');
    const certFile = join(dir, 'api-self-signed.crt');
    const text = await startedSaying(node, `clients trust it with -c API.TLS.CAFile=${certFile}`);
    // what `source bacalhau.run` sets, and the file
    const env = {
      HOME: dir,
      BACALHAU_API_HOST: '127.0.0.1',
      BACALHAU_API_PORT: portOf(text),
      BACALHAU_API_TLS_USETLS: 'true',
    };
    const untrusted = await cli(['agent', 'alive'], { env });
    expect(untrusted.stderr).toMatch(/the TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted/);
    const trusted = await cli(['agent', 'alive', '-c', `API.TLS.CAFile=${certFile}`], { env });
    expect([trusted.code, trusted.stdout]).toEqual([0, 'Status: OK\n']);
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
  });

  it('refuses to start when asked for a certificate it cannot obtain, rather than serve plain HTTP', async () => {
    const node = startServe('--orchestrator', '-c', 'API.TLS.AutoCert=example.com');
    expect(await node.exited).toBe(1);
    expect(node.stderr()).toContain(
      'Error: API.TLS.AutoCert is not supported by bacalhau-ts yet: it obtains no ACME certificates',
    );
    expect(existsSync(runInfo())).toBe(false);
  });
});

/** The body of a GET over HTTPS, trusting `ca`. */
function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('settings not served yet', () => {
  it('are warned about at start: the web UI, a reverse proxy in front of NATS', async () => {
    const node = startServe(
      '--orchestrator',
      '-c',
      'WebUI.Enabled=true',
      '-c',
      'WebUI.Listen=127.0.0.1:0',
      '-c',
      'Orchestrator.SupportReverseProxy=true',
    );
    await startedSaying(
      node,
      'WebUI.Enabled: bacalhau-ts does not serve the web UI yet, so nothing listens on 127.0.0.1:0; ' +
        "to use Bacalhau's web UI, serve its build from a reverse proxy that also forwards /api/ " +
        "(WebSocket upgrades included) to this node's API, as Bacalhau's UI server does",
    );
    // its own write, which may reach the pipe a moment after the first
    await expect
      .poll(() => node.stderr())
      .toContain('Orchestrator.SupportReverseProxy: bacalhau-ts does not support it yet');
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
  });
});

describe('an unreachable node', () => {
  it('is one friendly line with a hint naming the address, exit code 1', async () => {
    const port = await freePort();
    const run = await cli(['job', 'list'], {
      env: { HOME: dir, BACALHAU_API_HOST: '0.0.0.0', BACALHAU_API_PORT: String(port) },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    // Go's client's words and hint
    expect(run.stderr).toBe(
      `\nError: server is not running or not reachable at http://127.0.0.1:${port}\n` +
        'Hint:  to resolve this, either:\n' +
        `1. Ensure that the server is running and reachable at http://127.0.0.1:${port} (start one with 'bacalhau serve')\n` +
        '2. Update the configuration to use a different host and port using:\n' +
        "   a. The '--api-host=<new_address> --api-port=<new_port>' flags with your command\n" +
        "   b. The '-c API.Host=<new_host> -c API.Port=<new_port>' flags with your command\n" +
        "   c. Set the host in a configuration file with 'bacalhau config set API.Host=<new_address>' and port with " +
        "'bacalhau config set API.Port=<new_port>'\n",
    );
    const flags = await cli(['agent', 'alive', '--api-host', '127.0.0.1', '--api-port', String(port)], {
      env: { HOME: dir },
    });
    expect(flags.stderr.split('\n')[1]).toBe(
      `Error: server is not running or not reachable at http://127.0.0.1:${port}`,
    );
  });
});

describe('serve as a process', () => {
  it('a compute node given an orchestrator address NATS cannot parse stops, naming the setting', async () => {
    const node = startServe('--compute', '-c', 'Compute.Orchestrators=nats://127.0.0.1:99999');
    expect(await node.exited).toBe(1);
    expect(node.stderr()).toContain(
      '\nError: Compute.Orchestrators: "nats://127.0.0.1:99999" is not a NATS address\n' +
        "Hint:  Give the orchestrator's NATS address as nats://<host>:<port> (a port from 1 to 65535; not its API URL), e.g. nats://127.0.0.1:4222\n",
    );
  });

  it('a compute node given an http:// orchestrator address stops, naming the scheme', async () => {
    const node = startServe('--compute', '-c', 'Compute.Orchestrators=http://127.0.0.1:1234');
    expect(await node.exited).toBe(1);
    expect(node.stderr()).toContain(
      '\nError: Compute.Orchestrators: "http://127.0.0.1:1234" is not a NATS address: the scheme must be nats:// or tls://, not http://\n',
    );
  });

  it('a node given a NATS server address it cannot use, or a CA file it cannot read, stops, naming the setting', async () => {
    // one after the other: they share this test's data dir
    const external = startServe('--orchestrator', '-c', 'Orchestrator.NATS.Servers=bogus://x');
    expect(await external.exited).toBe(1);
    expect(external.stderr()).toContain(
      '\nError: Orchestrator.NATS.Servers: "bogus://x" is not a NATS address: the scheme must be nats:// or tls://, not bogus://\n',
    );
    const compute = startServe(
      ...['--compute', '-c', `Compute.Orchestrators=nats://127.0.0.1:${await freePort()}`],
      ...['-c', 'Compute.TLS.CACert=/nonexistent/ca.pem'],
    );
    expect(await compute.exited).toBe(1);
    expect(compute.stderr()).toContain(
      '\nError: Compute.TLS.CACert: cannot read the CA certificate /nonexistent/ca.pem: ENOENT: no such file or directory',
    );
  });

  it('a compute node whose orchestrator never answered still exits on SIGTERM', async () => {
    const closed = await freePort();
    const node = startServe('--compute', '-c', `Compute.Orchestrators=nats://127.0.0.1:${closed}`);
    await startedSaying(node, 'the orchestrator is not reachable yet');
    expect(node.stderr()).toContain(
      `the orchestrator is not reachable yet (cannot connect to NATS at nats://127.0.0.1:${closed}: ` +
        'connection refused; check that the orchestrator runs with --orchestrator (a plain `serve` accepts ' +
        'no compute nodes) and that Compute.Orchestrators names its NATS address (port 4222 unless it sets ' +
        'Orchestrator.Port)); this node keeps trying to connect',
    );
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
  });

  it('goes on when the reader of its output goes away (serve | head), and stops gracefully on SIGTERM', async () => {
    const node = startServe();
    await waitForFile(runInfo(), 30_000);
    node.child.stdout?.destroy(); // the reader is gone: the node's next line to stdout meets EPIPE
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    // what only the graceful stop removes (an exit at the EPIPE left both)
    expect(existsSync(runInfo())).toBe(false);
    expect(existsSync(join(dir, 'bacalhau.lock'))).toBe(false);
  });

  it('a second serve on the same data dir is refused before it touches anything', async () => {
    const first = startServe();
    const text = await waitForFile(runInfo(), 30_000);
    const second = await cli(serveArgs(), { env: { HOME: dir } });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `\nError: data dir ${dir} is in use by another node (process ${first.child.pid})\n` +
        'Hint:  stop that node first, or give this one its own data dir with --data-dir (or BACALHAU_DIR)\n',
    );
    // the first node is untouched: its run-info file is there and it answers
    expect(readFileSync(runInfo(), 'utf8')).toBe(text);
    const alive = await cli(['agent', 'alive'], {
      env: { HOME: dir, BACALHAU_API_HOST: '127.0.0.1', BACALHAU_API_PORT: portOf(text) },
    });
    expect(alive.stdout).toBe('Status: OK\n');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(dir, 'bacalhau.lock'))).toBe(false);
  });

  it.skipIf(!existsSync('/usr/bin/script'))(
    'stops gracefully when its terminal closes (SIGHUP, then EIO on every write)',
    async () => {
      // `script` gives the node a terminal of its own; killing it closes that terminal
      const command = serveCommand('--orchestrator')
        .map((arg) => `'${arg}'`)
        .join(' ');
      const stderr = join(dir, 'serve.err');
      const terminal = spawn('script', ['-qfc', `${command} 2>'${stderr}'`, '/dev/null'], {
        cwd: REPO_ROOT,
        env: { ...process.env, HOME: dir },
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      processes.push(terminal);
      await waitForFile(runInfo(), 30_000);
      terminal.kill('SIGKILL');
      const deadline = Date.now() + 20_000;
      while (existsSync(join(dir, 'bacalhau.lock')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // stopped, not killed: what a graceful stop removes is gone
      expect(existsSync(runInfo())).toBe(false);
      expect(existsSync(join(dir, 'bacalhau.lock'))).toBe(false);
      // and it ended without Node 20's abort on restoring a terminal that is gone
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(readFileSync(stderr, 'utf8')).not.toContain('Assertion failed');
    },
  );

  it('keeps running at SIGHUP when it has no terminal (nohup bacalhau serve &)', async () => {
    const node = startServe('--orchestrator');
    const text = await waitForFile(runInfo(), 30_000);
    node.child.kill('SIGHUP');
    // a stop would start at once: give it the time it would take to say so
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(node.stdout()).not.toContain('Stopping');
    const alive = await cli(['agent', 'alive'], {
      env: { HOME: dir, BACALHAU_API_HOST: '127.0.0.1', BACALHAU_API_PORT: portOf(text) },
    });
    expect(alive.stdout).toBe('Status: OK\n');
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
  });

  it('runs WASM jobs on a machine where no Docker daemon answers', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    // a socket path where nothing listens, as after a daemon stopped or was never installed
    const node = startServeWith({ DOCKER_HOST: `unix://${join(dir, 'docker.sock')}` });
    const env = {
      HOME: dir,
      BACALHAU_API_HOST: '127.0.0.1',
      BACALHAU_API_PORT: portOf(await waitForFile(runInfo())),
    };
    const run = await cli(['wasm', 'run', hello], { env });
    expect(run.stdout).toContain('Completed successfully');
    const nodes = await cli(['node', 'list', '--output', 'json'], { env });
    const [info] = JSON.parse(nodes.stdout) as {
      Info: { ComputeNodeInfo: { ExecutionEngines: string[] } };
    }[];
    expect(info?.Info.ComputeNodeInfo.ExecutionEngines).toEqual(['wasm']);
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
  });

  it('stops gracefully on SIGTERM and removes bacalhau.run', async () => {
    const node = startServe('--orchestrator');
    const text = await waitForFile(runInfo(), 30_000);
    const alive = await cli(['agent', 'alive'], {
      env: { HOME: dir, BACALHAU_API_HOST: '127.0.0.1', BACALHAU_API_PORT: portOf(text) },
    });
    expect(alive.stdout).toBe('Status: OK\n');
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    expect(node.stdout()).toContain('Node stopped.');
    expect(existsSync(runInfo())).toBe(false);
  });
});
