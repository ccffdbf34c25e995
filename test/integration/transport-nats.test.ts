/**
 * The NATS transport against real nats-server processes: the transport contract, the bytes on the wire
 * (read by a raw subscriber and written by a hand-made Go-like node), a server restart in the middle of
 * a stream, a wrong token, and messages sent while the compute side is away.
 *
 * Every test here uses a private nats-server started by this file (the shared one at 4222 may serve
 * other tests, and the orchestrator listens on every node's subjects). A network partition is a TCP
 * proxy between a compute side and the server that drops its connections and refuses new ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import type { ConnectionOptions, Msg, NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../../src/models/index.js';
import { askForBid, bidResult, cancelExecution } from '../../src/transport/index.js';
import type {
  ComputeMessage,
  ComputeTransport,
  ControlPlaneHandler,
  OrchestratorMessage,
} from '../../src/transport/index.js';
import { NatsComputeTransport, NatsOrchestratorTransport } from '../../src/transport/nats/index.js';
import { resources, testExecution, testNodeInfo } from '../../src/transport/testing/fixtures.js';
import { Recorder, settle } from '../../src/transport/testing/recorder.js';
import { runTransportContract, type TransportHarness } from '../../src/transport/transport.contract.js';
import { encodePayload } from '../../src/transport/wire.js';
import { natsEnv } from '../helpers/test-env.js';

const natsServerBinary = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';
/** Quick reconnects, and no detour around the proxy through server-advertised addresses. */
const clientOptions: ConnectionOptions = {
  reconnectTimeWait: 20,
  maxReconnectAttempts: -1,
  ignoreClusterUpdates: true,
};

/** A nats-server child process of this test file, on its own port and store directory. */
class PrivateNatsServer {
  readonly #dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-nats-'));
  readonly #token: string | undefined;
  /** Chosen by the server at its first start, kept across restarts. */
  #port = -1;
  #child: ChildProcess | undefined;

  private constructor(token: string | undefined) {
    this.#token = token;
  }

  static async start(options: { token?: string } = {}): Promise<PrivateNatsServer> {
    const server = new PrivateNatsServer(options.token);
    await server.#spawn();
    return server;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.#port}`;
  }

  /** Kills the server (as a crash would) and starts it again on the same port and store. */
  async restart(downMs: number): Promise<void> {
    await this.#kill();
    await settle(downMs);
    await this.#spawn();
  }

  async stop(): Promise<void> {
    await this.#kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #spawn(): Promise<void> {
    const args = ['-js', '-a', '127.0.0.1', '-p', String(this.#port), '-sd', this.#dir];
    if (this.#token !== undefined) args.push('--auth', this.#token);
    const child = spawn(natsServerBinary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      child.stderr.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const listening = /Listening for client connections on [\d.]+:(\d+)/.exec(log);
        if (listening !== null && log.includes('Server is ready')) {
          this.#port = Number(listening[1]);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${log}`)));
      child.once('error', reject);
    });
  }

  async #kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** A TCP proxy to the server whose connections can be cut (and refused) and later allowed again. */
class CuttableProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #cut = false;

  private constructor(targetPort: number) {
    this.#server = createServer((client) => {
      if (this.#cut) return void client.destroy();
      const upstream = tcpConnect(targetPort, '127.0.0.1');
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.#sockets.add(from);
        from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.#sockets.delete(from);
          to.destroy();
        });
      }
    });
  }

  static async start(targetPort: number): Promise<CuttableProxy> {
    const proxy = new CuttableProxy(targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `nats://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  cut(): void {
    this.#cut = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  restore(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** Resolves on the connection's next status of `type`, then lets the transports see it too. */
async function nextStatus(nc: NatsConnection, type: 'disconnect' | 'reconnect'): Promise<void> {
  for await (const status of nc.status()) if (status.type === type) break;
  await new Promise((resolve) => setImmediate(resolve));
}

const accepting: ControlPlaneHandler = {
  handshake: () => ({ accepted: true, reason: 'node registered' }),
  heartbeat: () => undefined,
  updateNodeInfo: () => ({ accepted: true }),
  shutdownNotice: () => undefined,
};

const capacity = { AvailableCapacity: resources({ CPU: 1 }), QueueUsedCapacity: resources() };

function executionIds(messages: readonly OrchestratorMessage[] | readonly ComputeMessage[]): string[] {
  return messages.map((m) => ('ExecutionID' in m.payload ? m.payload.ExecutionID : m.payload.Execution.ID));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const provisioned = natsEnv();
const describeNats = provisioned.available ? describe : describe.skip;

describeNats('NATS transport', () => {
  let server: PrivateNatsServer;

  beforeAll(async () => {
    server = await PrivateNatsServer.start();
  });

  afterAll(async () => {
    await server?.stop();
  });

  runTransportContract('nats', async ({ onHandlerError }) => {
    const connections: NatsConnection[] = [];
    const proxies = new Map<string, { proxy: CuttableProxy; nc: NatsConnection }[]>();
    const computes: ComputeTransport[] = [];
    const orchestratorConnection = await connect({ servers: server.url, ...clientOptions });
    connections.push(orchestratorConnection);
    const orchestrator = await NatsOrchestratorTransport.create({
      connection: orchestratorConnection,
      onHandlerError,
    });
    const ofNode = (nodeId: string) => proxies.get(nodeId) ?? [];
    /** Cuts the node's proxies ('disconnect') or restores them ('reconnect'); resolves once its clients saw it. */
    const cutOff = async (nodeId: string, status: 'disconnect' | 'reconnect'): Promise<void> => {
      await Promise.all(
        ofNode(nodeId).map(({ proxy, nc }) => {
          const seen = nextStatus(nc, status);
          if (status === 'disconnect') proxy.cut();
          else proxy.restore();
          return seen;
        }),
      );
    };
    const harness: TransportHarness = {
      orchestrator,
      async createCompute(nodeId, identity) {
        const proxy = await CuttableProxy.start(server.port);
        const nc = await connect({ servers: proxy.url, ...clientOptions });
        connections.push(nc);
        proxies.set(nodeId, [...ofNode(nodeId), { proxy, nc }]);
        const compute = await NatsComputeTransport.create({
          ...identity,
          nodeId,
          connection: nc,
          onHandlerError,
        });
        computes.push(compute);
        return compute;
      },
      partition: (nodeId) => cutOff(nodeId, 'disconnect'),
      heal: (nodeId) => cutOff(nodeId, 'reconnect'),
      async stop() {
        await orchestrator.stop();
        await Promise.all(computes.map((compute) => compute.stop()));
        await Promise.all(connections.map((nc) => nc.close()));
        await Promise.all([...proxies.values()].flat().map(({ proxy }) => proxy.close()));
      },
    };
    return harness;
  });

  describe('on the wire', () => {
    let orchestrator: NatsOrchestratorTransport;
    let raw: NatsConnection;
    const stops: (() => Promise<unknown>)[] = [];

    afterEach(async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
    });

    async function setup(): Promise<void> {
      orchestrator = await NatsOrchestratorTransport.create({ servers: server.url });
      orchestrator.serveControlPlane(accepting);
      raw = await connect({ servers: server.url });
      stops.push(
        () => orchestrator.stop(),
        () => raw.close(),
      );
    }

    /** The envelope's parts, checking version byte and CRC on the way. */
    function open(msg: Msg): { metadata: Record<string, string>; payload: unknown; json: string } {
      expect(msg.data[0]).toBe(1);
      const body = msg.data.subarray(5);
      expect(Buffer.from(msg.data.subarray(1, 5)).readUInt32BE(0)).toBe(crc32(body));
      const json = Buffer.from(body).toString('utf8');
      const parsed = JSON.parse(json) as { metadata: Record<string, string>; payload: unknown };
      expect(Object.keys(parsed)).toEqual(['metadata', 'payload']);
      for (const [key, value] of Object.entries(parsed.metadata)) expect(msg.headers?.get(key)).toBe(value);
      return { ...parsed, json };
    }

    it('keeps nothing for a node whose first handshake it refused', async () => {
      const refusing = await NatsOrchestratorTransport.create({ servers: server.url });
      stops.push(() => refusing.stop());
      refusing.serveControlPlane({ ...accepting, handshake: () => ({ accepted: false, reason: 'no' }) });
      for (let i = 0; i < 3; i++) {
        const compute = await NatsComputeTransport.create({ nodeId: `refused-${i}`, servers: server.url });
        await compute.connect(testNodeInfo(`refused-${i}`)).catch(() => undefined);
        await compute.stop();
        expect(refusing.sequenceState(`refused-${i}`)).toBeUndefined();
      }
    });

    it("tells the endpoint the server's max_payload, the largest message a node can get", async () => {
      await setup();
      expect(orchestrator.maxMessageBytes()).toBe(raw.info?.max_payload);
      expect(orchestrator.maxMessageBytes()).toBe(1024 * 1024); // nats-server's default
    });

    it('puts Bacalhau envelopes on the NCL subjects, both directions and the control plane', async () => {
      await setup();
      const seen = new Recorder<Msg>();
      raw.subscribe('bacalhau.global.compute.wire-1.>', { callback: (_err, msg) => seen.push(msg) });
      await raw.flush();
      const compute = await NatsComputeTransport.create({ nodeId: 'wire-1', servers: server.url });
      stops.push(() => compute.stop());
      const received = new Recorder<OrchestratorMessage>();
      compute.onMessage(received.push);
      orchestrator.onMessage(() => undefined);
      await compute.connect(testNodeInfo('wire-1'));
      const execution = testExecution({ id: 'e-1', nodeId: 'wire-1' });
      await orchestrator.send('wire-1', askForBid(execution));
      await received.waitFor(1);
      await compute.send(bidResult(execution, true));
      await compute.heartbeat(capacity);

      const messages = await seen.waitFor(4);
      const bySubject = (suffix: string) => messages.filter((m) => m.subject.endsWith(suffix)).map(open);
      const [handshake, heartbeat] = bySubject('.out.ctrl');
      const [ask] = bySubject('.in.msgs');
      const [bid] = bySubject('.out.msgs');

      expect(handshake!.metadata).toMatchObject({
        'Bacalhau-Type': 'transport.HandshakeRequest',
        Type: 'transport.HandshakeRequest',
        'Bacalhau-PayloadEncoding': 'json',
        'Bacalhau-Source': 'wire-1',
      });
      expect(Object.keys(heartbeat!.payload as object)).toEqual([
        'NodeID',
        'AvailableCapacity',
        'QueueUsedCapacity',
        'LastOrchestratorSeqNum',
      ]);
      expect(heartbeat!.payload).toMatchObject({ NodeID: 'wire-1', LastOrchestratorSeqNum: 1 });
      const {
        'Bacalhau-EventTime': eventTime,
        'Bacalhau-ConnectionID': connectionId,
        ...rest
      } = ask!.metadata;
      expect(eventTime).toMatch(/^\d{19}$/);
      expect(connectionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(rest).toEqual({
        'Bacalhau-Type': 'AskForBid',
        Type: 'AskForBid',
        'Bacalhau-PayloadEncoding': 'json',
        PayloadEncoding: 'json',
        'Bacalhau-Source': 'orchestrator-wire-1',
        'Bacalhau-MessageID': 'seq-1',
        'Bacalhau-SeqNum': '1',
        'Bacalhau-Subject': 'bacalhau.global.compute.wire-1.in.msgs',
      });
      expect(ask!.json).toContain(
        `"payload":${JSON.stringify(encodePayload('AskForBid', { Events: [], Execution: execution }))}`,
      );
      expect(bid!.metadata).toMatchObject({
        'Bacalhau-Type': 'BidResult',
        'Bacalhau-Source': 'wire-1',
        'Bacalhau-MessageID': 'seq-1',
        'Bacalhau-SeqNum': '1',
      });
      expect(bid!.payload).toMatchObject({ ExecutionID: 'e-1', Accepted: true });
    });

    /** A message as a Go compute node `nodeId` puts it on the wire: no connection ID. */
    function goEnvelope(nodeId: string, type: string, payload: unknown, seqNum?: number) {
      const metadata: Record<string, string> = {
        'Bacalhau-Type': type,
        'Bacalhau-PayloadEncoding': 'json',
        'Bacalhau-Source': nodeId,
        ...(seqNum === undefined
          ? {}
          : { 'Bacalhau-SeqNum': String(seqNum), 'Bacalhau-MessageID': `seq-${seqNum}` }),
      };
      const json = Buffer.from(JSON.stringify({ metadata, payload }));
      const data = new Uint8Array(5 + json.length);
      data[0] = 1;
      Buffer.from(data.buffer).writeUInt32BE(crc32(json), 1);
      data.set(json, 5);
      const headers = natsHeaders();
      for (const [key, value] of Object.entries(metadata)) headers.set(key, value);
      return { data, headers };
    }

    /** A Go compute node's handshake as the process started at `startTime`; the response opened. */
    async function goHandshake(nodeId: string, startTime: string): Promise<ReturnType<typeof open>> {
      const handshake = goEnvelope(nodeId, 'transport.HandshakeRequest', {
        NodeInfo: encodePayload('transport.UpdateNodeInfoRequest', { NodeInfo: testNodeInfo(nodeId) })[
          'NodeInfo'
        ],
        StartTime: startTime,
        LastOrchestratorSeqNum: 0,
      });
      const response = await raw.request(`bacalhau.global.compute.${nodeId}.out.ctrl`, handshake.data, {
        timeout: 5000,
        headers: handshake.headers,
      });
      return open(response);
    }

    it('serves a Go-like compute node: raw envelopes, no connection ID, acknowledgements as `{}`', async () => {
      await setup();
      const nodeId = 'go-1';
      const request = (type: string, payload: unknown, seqNum?: number) =>
        goEnvelope(nodeId, type, payload, seqNum);
      const results = new Recorder<[string, ComputeMessage]>();
      orchestrator.onMessage((id, message) => results.push([id, message]));

      // An unknown node's heartbeat: Go's error response, HandshakeRequired.
      const heartbeat = {
        NodeID: nodeId,
        AvailableCapacity: {},
        QueueUsedCapacity: {},
        LastOrchestratorSeqNum: 0,
      };
      const unknown = request('transport.HeartbeatRequest', heartbeat);
      const refused = open(
        await raw.request(`bacalhau.global.compute.${nodeId}.out.ctrl`, unknown.data, {
          timeout: 5000,
          headers: unknown.headers,
        }),
      );
      expect(refused.metadata).toMatchObject({
        'Bacalhau-Type': 'BacError',
        'Bacalhau-StatusCode': '428',
        'Bacalhau-ErrorCode': 'HandshakeRequired',
        'Bacalhau-Source': 'orchestrator-control',
      });
      expect(refused.payload).toEqual({
        Cause: `node ${nodeId} not connected - handshake required`,
        Hint: '',
        Retryable: true,
        FailsExecution: false,
        Component: 'Transport',
        HTTPStatusCode: 428,
        Details: null,
        Code: 'HandshakeRequired',
      });

      const inbound = new Recorder<Msg>();
      raw.subscribe(`bacalhau.global.compute.${nodeId}.in.msgs`, {
        callback: (_err, msg) => inbound.push(msg),
      });
      await orchestrator.send(nodeId, cancelExecution('e-queued'));
      const accepted = await goHandshake(nodeId, '2025-01-01T00:00:00Z');
      expect(accepted.metadata['Bacalhau-Type']).toBe('transport.HandshakeResponse');
      expect(accepted.json).toContain(
        '"payload":{"accepted":true,"reason":"node registered","LastComputeSeqNum":0,"LastOrchestratorSeqNum":0}',
      );

      // The queued message is replayed to the node, without a connection ID since it sent none.
      const [replayed] = (await inbound.waitFor(1)).map(open);
      expect(replayed!.metadata['Bacalhau-ConnectionID']).toBeUndefined();
      expect(replayed!.payload).toEqual({ Events: [], ExecutionID: 'e-queued' });
      expect(orchestrator.sequenceState(nodeId)).toMatchObject({ pending: 1 });
      raw.publish(inbound.items[0]!.reply!, '{}');
      await raw.flush();
      for (let i = 0; i < 100 && orchestrator.sequenceState(nodeId)!.pending > 0; i++) await settle(5);
      expect(orchestrator.sequenceState(nodeId)).toMatchObject({ pending: 0, ackedOrchestratorSeqNum: 1 });

      // A result from the node, acknowledged the way Go's ordered publisher expects.
      const result = bidResult(testExecution({ id: 'e-go', nodeId }), true);
      const ack = await raw.request(
        `bacalhau.global.compute.${nodeId}.out.msgs`,
        request('BidResult', encodePayload('BidResult', result.payload), 1).data,
        { timeout: 5000 },
      );
      expect(ack.string()).toBe('{}');
      expect((await results.waitFor(1))[0]).toEqual([
        nodeId,
        { type: 'BidResult', seqNum: 1, payload: result.payload },
      ]);
    });

    it("handles a Go compute node's messages numbered from 1 again once it is back as another process", async () => {
      await setup();
      const nodeId = 'go-2';
      const handled = new Recorder<string>();
      orchestrator.onMessage((_id, message) => handled.push(message.payload.ExecutionID));
      const sendBid = async (executionId: string, seqNum: number) => {
        const { payload } = bidResult(testExecution({ id: executionId, nodeId }), true);
        const envelope = goEnvelope(nodeId, 'BidResult', encodePayload('BidResult', payload), seqNum);
        const ack = await raw.request(`bacalhau.global.compute.${nodeId}.out.msgs`, envelope.data, {
          timeout: 5000,
        });
        expect(ack.string()).toBe('{}');
      };

      await goHandshake(nodeId, '2026-01-01T00:00:00.123456789Z');
      await sendBid('e-1', 1);
      await sendBid('e-2', 2);
      await handled.waitFor(2);
      // The same process again: it replays its store from the start, and what was handled is skipped.
      expect((await goHandshake(nodeId, '2026-01-01T00:00:00.123456789Z')).payload).toMatchObject({
        LastComputeSeqNum: 2,
      });
      await sendBid('e-1', 1);
      // Another process with an empty store: its numbering starts over, and nothing it sends is skipped.
      expect((await goHandshake(nodeId, '2026-01-01T00:07:00.5Z')).payload).toMatchObject({
        LastComputeSeqNum: 0,
      });
      await sendBid('e-3', 1);
      await sendBid('e-4', 2);
      expect(await handled.waitFor(4)).toEqual(['e-1', 'e-2', 'e-3', 'e-4']);
      expect(orchestrator.sequenceState(nodeId)).toMatchObject({ lastComputeSeqNum: 2 });
    });
  });

  it('survives a NATS server restart mid-stream: both ends reconnect, nothing lost or duplicated', async () => {
    const restartable = await PrivateNatsServer.start();
    const stops: (() => Promise<unknown>)[] = [() => restartable.stop()];
    try {
      const options = { servers: restartable.url, reconnectTimeWaitMs: 20 };
      const orchestrator = await NatsOrchestratorTransport.create(options);
      stops.push(() => orchestrator.stop());
      orchestrator.serveControlPlane(accepting);
      const network: boolean[] = [];
      orchestrator.onNetworkChange((up) => network.push(up));
      const toOrchestrator = new Recorder<ComputeMessage>();
      orchestrator.onMessage((_nodeId, message) => toOrchestrator.push(message));
      const compute = await NatsComputeTransport.create({ nodeId: 'r-1', ...options });
      stops.push(() => compute.stop());
      const toCompute = new Recorder<OrchestratorMessage>();
      compute.onMessage(toCompute.push);

      // The node's part of the protocol: reconnect whenever the connection is lost.
      let reconnects = 0;
      let reconnecting = false;
      const reconnect = async (): Promise<void> => {
        await settle(10);
        while (compute.state === 'disconnected') {
          await compute.connect(testNodeInfo('r-1')).catch(() => settle(20));
        }
        reconnects++;
      };
      compute.onStateChange((state) => {
        if (state !== 'disconnected' || reconnecting) return;
        reconnecting = true;
        void reconnect().finally(() => (reconnecting = false));
      });
      await compute.connect(testNodeInfo('r-1'));

      const total = 300;
      for (let i = 1; i <= total; i++) {
        await orchestrator.send('r-1', cancelExecution(`e-${i}`));
        await compute.send(bidResult(testExecution({ id: `e-${i}` }), true));
        if (i === 100) await restartable.restart(200);
        if (i % 20 === 0) await settle(2);
      }

      const delivered = await toCompute.waitFor(total, 30_000);
      const results = await toOrchestrator.waitFor(total, 30_000);
      await settle(100);
      expect(reconnects).toBeGreaterThanOrEqual(1);
      // the orchestrator's listeners heard its own link go and come back (the node manager's cue)
      expect(network).toEqual([false, true]);
      expect(toCompute.items.map((m) => m.seqNum)).toEqual(range(1, total));
      expect(executionIds(delivered)).toEqual(range(1, total).map((i) => `e-${i}`));
      expect(toOrchestrator.items.map((m) => m.seqNum)).toEqual(range(1, total));
      expect(executionIds(results)).toEqual(range(1, total).map((i) => `e-${i}`));
    } finally {
      for (const stop of stops.reverse()) await stop();
    }
  });

  it('makes nodes handshake again when the orchestrator lost NATS, skipping nothing it missed', async () => {
    const proxy = await CuttableProxy.start(server.port);
    const orchestratorConnection = await connect({ servers: proxy.url, ...clientOptions });
    const orchestrator = await NatsOrchestratorTransport.create({ connection: orchestratorConnection });
    orchestrator.serveControlPlane(accepting);
    const toOrchestrator = new Recorder<ComputeMessage>();
    orchestrator.onMessage((_nodeId, message) => toOrchestrator.push(message));
    const compute = await NatsComputeTransport.create({ nodeId: 'blip-1', servers: server.url });
    const toCompute = new Recorder<OrchestratorMessage>();
    compute.onMessage(toCompute.push);
    try {
      await compute.connect(testNodeInfo('blip-1'));
      await compute.send(bidResult(testExecution({ id: 'e-1' }), true));
      await toOrchestrator.waitFor(1);

      const down = nextStatus(orchestratorConnection, 'disconnect');
      proxy.cut();
      await down;
      // The node still has its connection: these reach the server while the orchestrator is away.
      await compute.send(bidResult(testExecution({ id: 'e-2' }), true));
      await compute.send(bidResult(testExecution({ id: 'e-3' }), true));
      await orchestrator.send('blip-1', cancelExecution('e-1'));
      await settle(50);
      const up = nextStatus(orchestratorConnection, 'reconnect');
      proxy.restore();
      await up;
      await compute.send(bidResult(testExecution({ id: 'e-4' }), true));
      await settle(50);
      expect(executionIds(toOrchestrator.items)).toEqual(['e-1']);
      expect(toCompute.items).toEqual([]);

      const error: unknown = await compute.heartbeat(capacity).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.HandshakeRequired });
      expect(compute.state).toBe('disconnected');
      await compute.connect(testNodeInfo('blip-1'));
      const results = await toOrchestrator.waitFor(4);
      expect(results.map((m) => m.seqNum)).toEqual([1, 2, 3, 4]);
      expect(executionIds(results)).toEqual(['e-1', 'e-2', 'e-3', 'e-4']);
      expect(executionIds(await toCompute.waitFor(1))).toEqual(['e-1']);
    } finally {
      await compute.stop();
      await orchestrator.stop();
      await orchestratorConnection.close();
      await proxy.close();
    }
  });

  describe('with an auth token', () => {
    let secured: PrivateNatsServer;

    beforeAll(async () => {
      secured = await PrivateNatsServer.start({ token: 's3cret' });
    });

    afterAll(async () => {
      await secured?.stop();
    });

    it('refuses a wrong token with an error naming the setting', async () => {
      const error: unknown = await NatsOrchestratorTransport.create({
        servers: secured.url,
        token: 'wrong',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BacalhauError);
      expect(error).toMatchObject({ code: ErrorCode.Unauthorized });
      expect((error as Error).message).toContain('nats: Authorization Violation');
      expect((error as Error).message).toContain('Orchestrator.Auth.Token');

      const compute = await NatsComputeTransport.create({
        nodeId: 'auth-1',
        servers: `nats://wrong@127.0.0.1:${secured.port}`,
      });
      try {
        const refused: unknown = await compute.connect(testNodeInfo('auth-1')).catch((e: unknown) => e);
        expect(refused).toMatchObject({ code: ErrorCode.Unauthorized });
        expect((refused as Error).message).toBe(
          'nats: Authorization Violation: the NATS server refused the auth token (the credentials in ' +
            'Compute.Orchestrators)',
        );
        expect((refused as BacalhauError).hint).toContain('Orchestrator.Auth.Token');
        expect(compute.state).toBe('disconnected');
      } finally {
        await compute.stop();
      }
    });

    it('says that a token is needed when none was given', async () => {
      const error: unknown = await NatsOrchestratorTransport.create({ servers: secured.url }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: ErrorCode.Unauthorized });
      expect((error as Error).message).toBe(
        'nats: Authorization Violation: the NATS server requires an auth token and none was given ' +
          '(Orchestrator.Auth.Token)',
      );
    });

    it('connects with the token given as a setting or inside the URL', async () => {
      const orchestrator = await NatsOrchestratorTransport.create({ servers: secured.url, token: 's3cret' });
      orchestrator.serveControlPlane(accepting);
      // an empty setting is no token (Compute.Auth.Token's default): the URL's is used
      const computes = await Promise.all(
        [{}, { token: '' }].map((setting, i) =>
          NatsComputeTransport.create({
            nodeId: `auth-url-${i}`,
            servers: `nats://s3cret@127.0.0.1:${secured.port}`,
            ...setting,
          }),
        ),
      );
      try {
        for (const compute of computes) {
          await expect(compute.connect(testNodeInfo(compute.nodeId))).resolves.toMatchObject({
            accepted: true,
          });
        }
      } finally {
        await Promise.all(computes.map((compute) => compute.stop()));
        await orchestrator.stop();
      }
    });
  });

  it('gives up on a port where no NATS server answers, saying which setting to check', async () => {
    // what an HTTP API port looks like to a NATS client: it accepts and then waits for a request
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const compute = await NatsComputeTransport.create({
      nodeId: 'silent-port',
      servers: `nats://127.0.0.1:${port}`,
      connectTimeoutMs: 300,
    });
    try {
      const error: unknown = await compute.connect(testNodeInfo('silent-port')).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.NetworkFailure, retryable: true });
      expect((error as Error).message).toBe(
        `cannot connect to NATS at nats://127.0.0.1:${port}: no NATS server answered within 0.3s`,
      );
      expect((error as BacalhauError).hint).toMatch(/Compute\.Orchestrators names the orchestrator's NATS/);
    } finally {
      await compute.stop();
      silent.close();
    }
  });

  it("continues a restarted orchestrator's numbering after the previous one's, so nothing is skipped", async () => {
    const first = await NatsOrchestratorTransport.create({ servers: server.url });
    first.serveControlPlane(accepting);
    const compute = await NatsComputeTransport.create({ nodeId: 'renumbered-1', servers: server.url });
    let second: NatsOrchestratorTransport | undefined;
    try {
      const received = new Recorder<OrchestratorMessage>();
      compute.onMessage(received.push);
      await compute.connect(testNodeInfo('renumbered-1'));
      for (let i = 1; i <= 3; i++) await first.send('renumbered-1', cancelExecution(`e-old-${i}`));
      await received.waitFor(3);
      // The orchestrator dies (nobody is told); its successor queues messages before the node is back.
      await first.stop();
      second = await NatsOrchestratorTransport.create({ servers: server.url });
      second.serveControlPlane(accepting);
      await second.send('renumbered-1', cancelExecution('e-new-1'));
      await second.send('renumbered-1', cancelExecution('e-new-2'));
      await compute.disconnect({ notify: false });
      const response = await compute.connect(testNodeInfo('renumbered-1'));
      expect(response.LastOrchestratorSeqNum).toBe(3);
      expect(executionIds(await received.waitFor(5)).slice(3)).toEqual(['e-new-1', 'e-new-2']);
      expect(received.items.slice(3).map((m) => m.seqNum)).toEqual([4, 5]);
    } finally {
      await compute.stop();
      await second?.stop();
      await first.stop();
    }
  });

  it('delivers what was sent while the compute side was away, both ways, after it reconnects', async () => {
    const orchestrator = await NatsOrchestratorTransport.create({ servers: server.url });
    orchestrator.serveControlPlane(accepting);
    const toOrchestrator = new Recorder<ComputeMessage>();
    orchestrator.onMessage((_nodeId, message) => toOrchestrator.push(message));
    // two processes of a bacalhau-ts node on one data dir: the second continues the first's numbering
    const identity = { nodeId: 'away-1', servers: server.url, instanceID: 'away-1-data-dir' };
    const first = await NatsComputeTransport.create(identity);
    const second = await NatsComputeTransport.create(identity);
    try {
      const toFirst = new Recorder<OrchestratorMessage>();
      first.onMessage(toFirst.push);
      await first.connect(testNodeInfo('away-1'));
      await orchestrator.send('away-1', cancelExecution('e-1'));
      await toFirst.waitFor(1);

      // The node goes away (a crash: nobody is told) while both sides keep sending.
      await first.disconnect({ notify: false });
      await first.send(bidResult(testExecution({ id: 'e-from-first' }), true));
      for (let i = 2; i <= 4; i++) await orchestrator.send('away-1', cancelExecution(`e-${i}`));
      await settle(50);
      expect(toFirst.items).toHaveLength(1);
      expect(toOrchestrator.items).toEqual([]);

      // The same process reconnects: its queued result goes out, the orchestrator's messages come in.
      await first.connect(testNodeInfo('away-1'));
      expect(executionIds(await toFirst.waitFor(4))).toEqual(['e-1', 'e-2', 'e-3', 'e-4']);
      expect(executionIds(await toOrchestrator.waitFor(1))).toEqual(['e-from-first']);

      // Stopped for good; a new process of the node picks up what was sent meanwhile.
      await first.stop();
      await orchestrator.send('away-1', cancelExecution('e-5'));
      const toSecond = new Recorder<OrchestratorMessage>();
      second.onMessage(toSecond.push);
      await second.send(bidResult(testExecution({ id: 'e-from-second' }), true));
      const response = await second.connect(testNodeInfo('away-1'));
      expect(response).toMatchObject({ LastOrchestratorSeqNum: 4, LastComputeSeqNum: 1 });
      expect(executionIds(await toSecond.waitFor(1))).toEqual(['e-5']);
      expect((await toOrchestrator.waitFor(2))[1]).toMatchObject({
        seqNum: 2,
        payload: { ExecutionID: 'e-from-second' },
      });
      await settle(50);
      expect(toFirst.items).toHaveLength(4);
      expect(toSecond.items).toHaveLength(1);
    } finally {
      await second.stop();
      await first.stop();
      await orchestrator.stop();
    }
  });
});
