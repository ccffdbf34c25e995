/**
 * Nodes in separate processes meeting over NATS on loopback: node auth (a wrong token refused at
 * start), manual approval across processes, and TLS to NATS with a CA.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { NatsServerProcess } from '../../src/transport/nats/server-process.js';
import { afterEach, expect, it } from 'vitest';
import { describeWithEnv, natsEnv, requireWasmModule } from '../helpers/test-env.js';
import { makeSelfSignedCert, selfSignedUnavailable } from '../helpers/self-signed-cert.js';
import { ClusterToken, ProcessCluster } from './process-cluster.js';

let cluster: ProcessCluster | undefined;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface NodeRow {
  Info: { NodeID: string };
  Membership: string;
  ConnectionState: { Status: string };
}

async function nodes(c: ProcessCluster): Promise<NodeRow[]> {
  const listed = await c.run(['node', 'list', '--output', 'json']);
  return JSON.parse(listed.stdout) as NodeRow[];
}

describeWithEnv('nodes over NATS in separate processes', natsEnv(), () => {
  it('refuses a compute node with the wrong token, naming the setting to fix', async () => {
    cluster = await ProcessCluster.start(0);
    const error = await cluster
      .addCompute('intruder', ['-c', 'Compute.Auth.Token=wrong'])
      .catch((err: unknown) => err as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(
      '\nError: nats: Authorization Violation: the NATS server refused the auth token (Compute.Auth.Token)',
    );
    expect((error as Error).message).toContain(
      "Hint:  set Compute.Auth.Token (or nats://<token>@host in Compute.Orchestrators) to the orchestrator's Orchestrator.Auth.Token",
    );
    expect((await nodes(cluster)).map((n) => n.Info.NodeID)).not.toContain('intruder');
  }, 120_000);

  it('a compute node whose API port is taken exits at once, without registering', async () => {
    cluster = await ProcessCluster.start(0);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const { port } = blocker.address() as { port: number };
    const error = await cluster
      .addCompute('blocked', ['--api-port', String(port)])
      .catch((err: unknown) => err as Error);
    expect(error).toBeInstanceOf(Error);
    // exited by itself with 1 (a process still running would say "exit null" after a minute)
    expect((error as Error).message).toContain('did not start (exit 1)');
    expect((error as Error).message).toContain(
      `cannot listen on 127.0.0.1:${port}: the port is already in use`,
    );
    expect((await nodes(cluster)).map((n) => n.Info.NodeID)).not.toContain('blocked');
  }, 120_000);

  it('keeps a new node PENDING until approved, then runs work on it', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    cluster = await ProcessCluster.start(1, {
      orchestrator: ['-c', 'Orchestrator.NodeManager.ManualApproval=true'],
    });
    const c = cluster;
    const pending = (await nodes(c)).find((n) => n.Info.NodeID === 'compute-0');
    expect(pending?.Membership).toBe('PENDING');
    const approved = await c.run(['node', 'approve', 'compute-0']);
    expect(approved.code).toBe(0);
    expect((await nodes(c)).find((n) => n.Info.NodeID === 'compute-0')?.Membership).toBe('APPROVED');
    const run = await c.run(['wasm', 'run', '--id-only', '--wait', hello]);
    expect(run.stderr).toBe('');
    const logs = await c.run(['job', 'logs', run.stdout.trim()]);
    expect(logs.stdout).toBe('Hello, world!\n');
  }, 120_000);

  it('uses a NATS server it does not run when Orchestrator.NATS.Servers names one', async (ctx) => {
    const hello = requireWasmModule(ctx, 'hello');
    const workDir = mkdtempSync(join(tmpdir(), 'bacalhau-external-nats-'));
    const external = await NatsServerProcess.start({
      workDir,
      settings: { serverName: 'external', host: '127.0.0.1', port: 0, token: ClusterToken },
    });
    cleanups.push(async () => {
      await external.stop();
      rmSync(workDir, { recursive: true, force: true });
    });
    cluster = await ProcessCluster.start(1, {
      natsPort: external.port,
      orchestrator: ['-c', `Orchestrator.NATS.Servers=nats://127.0.0.1:${external.port}`],
    });
    const c = cluster;
    expect(existsSync(join(c.orchestrator.dataDir, 'orchestrator', 'nats', 'nats-server.pid'))).toBe(false);
    expect(c.orchestrator.output).toContain(`Compute.Orchestrators=nats://127.0.0.1:${external.port}`);
    const run = await c.run(['wasm', 'run', '--id-only', '--wait', hello]);
    expect(run.stderr).toBe('');
  }, 120_000);

  it('a compute node asking for TLS from a plain orchestrator, or given a CA file with no certificate, stops at once', async () => {
    cluster = await ProcessCluster.start(0);
    const c = cluster;
    const startError = async (name: string, args: string[]): Promise<string> => {
      const failed = await c.addCompute(name, args).catch((err: unknown) => err as Error);
      expect(failed).toBeInstanceOf(Error);
      expect((failed as Error).message).toContain('did not start (exit 1)');
      return (failed as Error).message;
    };
    const plain =
      /Error: cannot connect to NATS at [^\n]*: the NATS server does not speak TLS, which this node asks for\n/;
    // RequireTLS, and a tls:// address (which Go's client takes as asking for TLS: never plain text)
    expect(await startError('require', ['-c', 'Compute.TLS.RequireTLS=true'])).toMatch(plain);
    const tlsAddress = ['-c', `Compute.Orchestrators=tls://127.0.0.1:${c.natsPort}`];
    const refused = await startError('scheme', tlsAddress);
    expect(refused).toMatch(plain);
    expect(refused).toContain(
      'Hint:  turn TLS on at the orchestrator (Orchestrator.TLS.ServerCert and ServerKey)',
    );
    const notPem = join(mkdtempSync(join(tmpdir(), 'ca-')), 'ca.crt');
    cleanups.push(() => rmSync(join(notPem, '..'), { recursive: true, force: true }));
    writeFileSync(notPem, 'not a certificate\n');
    expect(await startError('notpem', ['-c', `Compute.TLS.CACert=${notPem}`])).toContain(
      `Error: Compute.TLS.CACert: the CA certificate file ${notPem} holds no PEM certificate`,
    );
  }, 120_000);

  it('speaks TLS to NATS when the orchestrator has a certificate and the compute node its CA', async (ctx) => {
    const unavailable = selfSignedUnavailable();
    if (unavailable !== undefined) ctx.skip(unavailable);
    const hello = requireWasmModule(ctx, 'hello');
    const tls = makeSelfSignedCert();
    cleanups.push(() => tls.remove());
    const keyFile = join(tls.certFile, '..', 'nats-key.pem');
    writeFileSync(keyFile, tls.key, { mode: 0o600 });
    cluster = await ProcessCluster.start(1, {
      orchestrator: [
        '-c',
        `Orchestrator.TLS.ServerCert=${tls.certFile}`,
        '-c',
        `Orchestrator.TLS.ServerKey=${keyFile}`,
        '-c',
        `Orchestrator.TLS.CACert=${tls.certFile}`,
      ],
      compute: ['-c', `Compute.TLS.CACert=${tls.certFile}`, '-c', 'Compute.TLS.RequireTLS=true'],
    });
    const c = cluster;
    expect((await nodes(c)).find((n) => n.Info.NodeID === 'compute-0')?.ConnectionState.Status).toBe(
      'CONNECTED',
    );
    const run = await c.run(['wasm', 'run', '--id-only', '--wait', hello]);
    expect(run.stderr).toBe('');
    // what the orchestrator tells other nodes to run: TLS, trusting its CA
    expect(c.orchestrator.output).toMatch(
      new RegExp(
        `-c Compute\\.Orchestrators=tls://127\\.0\\.0\\.1:\\d+ -c Compute\\.TLS\\.CACert=${tls.certFile} `,
      ),
    );
    // a node that does not trust the certificate stops at once, naming the setting
    const untrusting = await c.addCompute('untrusting', []).catch((err: unknown) => err as Error);
    expect(untrusting).toBeInstanceOf(Error);
    expect((untrusting as Error).message).toContain('did not start (exit 1)');
    expect((untrusting as Error).message).toMatch(
      /Error: cannot connect to NATS at [^\n]*: the server's TLS certificate is refused: self-signed certificate\n/,
    );
    expect((untrusting as Error).message).toContain(
      "Hint:  set Compute.TLS.CACert to the CA certificate that signed the server's certificate",
    );
  }, 120_000);
});
