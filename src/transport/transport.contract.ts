/**
 * The behaviour every transport implementation must have (see types.ts), as a vitest suite that each
 * implementation runs unchanged: `runTransportContract('in-memory', factory)`.
 *
 * The factory builds one isolated network: an orchestrator side, compute sides on demand, a way to cut a
 * node off and back, and `stop()` releasing all of it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BacalhauError, ErrorCode } from '../models/index.js';
import type { NodeInfo } from '../models/index.js';
import { handshakeRequiredError, isHandshakeRequired } from './errors.js';
import {
  askForBid,
  bidAccepted,
  bidRejected,
  bidResult,
  cancelExecution,
  computeError,
  runResult,
} from './messages.js';
import type {
  ComputeMessage,
  HandshakeIdentityOptions,
  HandshakeRequest,
  HeartbeatRequest,
  OrchestratorMessage,
  ShutdownNoticeRequest,
  UpdateNodeInfoRequest,
  UpdateNodeInfoResponse,
} from './messages.js';
import { resources, testExecution, testNodeInfo } from './testing/fixtures.js';
import { gate, Recorder, settle } from './testing/recorder.js';
import type {
  Awaitable,
  ComputeTransport,
  ControlContext,
  ControlPlaneHandler,
  HandshakeDecision,
  NodeConnectionEvent,
  OrchestratorTransport,
  Unsubscribe,
} from './types.js';

export interface TransportHarness {
  readonly orchestrator: OrchestratorTransport;
  /** A new compute side for `nodeId` (a new process, as far as the node's state goes). */
  createCompute(nodeId: string, identity?: HandshakeIdentityOptions): Promise<ComputeTransport>;
  /** Cuts the node off the orchestrator; the orchestrator is not told. */
  partition(nodeId: string): Awaitable<void>;
  heal(nodeId: string): Awaitable<void>;
  /** Stops everything the harness created. */
  stop(): Promise<void>;
}

export interface TransportHarnessOptions {
  /** Where the implementation reports data-plane handler errors. */
  onHandlerError: (error: unknown) => void;
}

/** A control-plane handler that records every request and can be told how to answer. */
class RecordingControlPlane implements ControlPlaneHandler {
  readonly handshakes: [HandshakeRequest, ControlContext][] = [];
  readonly heartbeats: [HeartbeatRequest, ControlContext][] = [];
  readonly nodeInfoUpdates: UpdateNodeInfoRequest[] = [];
  readonly shutdowns: ShutdownNoticeRequest[] = [];
  decide: (request: HandshakeRequest) => Awaitable<HandshakeDecision> = () => ({
    accepted: true,
    reason: 'node registered',
  });
  onHeartbeat: (request: HeartbeatRequest) => Awaitable<void> = () => undefined;
  onNodeInfo: (request: UpdateNodeInfoRequest) => Awaitable<UpdateNodeInfoResponse> = () => ({
    accepted: true,
  });

  handshake(request: HandshakeRequest, context: ControlContext): Awaitable<HandshakeDecision> {
    this.handshakes.push([request, context]);
    return this.decide(request);
  }
  heartbeat(request: HeartbeatRequest, context: ControlContext): Awaitable<void> {
    this.heartbeats.push([request, context]);
    return this.onHeartbeat(request);
  }
  updateNodeInfo(request: UpdateNodeInfoRequest): Awaitable<UpdateNodeInfoResponse> {
    this.nodeInfoUpdates.push(request);
    return this.onNodeInfo(request);
  }
  shutdownNotice(request: ShutdownNoticeRequest): void {
    this.shutdowns.push(request);
  }
}

const capacity = {
  AvailableCapacity: resources({ CPU: 2, Memory: 2 ** 30 }),
  QueueUsedCapacity: resources({ CPU: 1 }),
  RunningExecutions: 1,
  EnqueuedExecutions: 3,
};

function cancelIds(messages: readonly OrchestratorMessage[]): string[] {
  return messages.map((m) => (m.type === 'CancelExecution' ? m.payload.ExecutionID : `?${m.type}`));
}

function seqNums(messages: readonly { seqNum: number }[]): number[] {
  return messages.map((m) => m.seqNum);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Resolves when a process-wide count of timers and immediates is back at `baseline` (or after 1 s). */
async function timersBackTo(baseline: number): Promise<number> {
  let count = activeTimers();
  for (let i = 0; i < 100 && count > baseline; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    count = activeTimers();
  }
  return count;
}

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;
}

export function runTransportContract(
  name: string,
  factory: (options: TransportHarnessOptions) => Promise<TransportHarness>,
): void {
  describe(`transport contract: ${name}`, () => {
    let harness: TransportHarness;
    let control: RecordingControlPlane;
    let stopServing: Unsubscribe;
    let handlerErrors: unknown[];
    let connections: NodeConnectionEvent[];

    beforeEach(async () => {
      handlerErrors = [];
      connections = [];
      harness = await factory({ onHandlerError: (error) => handlerErrors.push(error) });
      control = new RecordingControlPlane();
      stopServing = harness.orchestrator.serveControlPlane(control);
      harness.orchestrator.onNodeConnection((event) => connections.push(event));
    });

    afterEach(async () => {
      await harness.stop();
    });

    /** A connected compute side whose received messages are recorded. */
    async function connectedNode(
      nodeId: string,
      info: NodeInfo = testNodeInfo(nodeId),
      identity?: HandshakeIdentityOptions,
    ) {
      const compute = await harness.createCompute(nodeId, identity);
      const received = new Recorder<OrchestratorMessage>();
      compute.onMessage(received.push);
      const response = await compute.connect(info);
      return { compute, received, response };
    }

    function recordOrchestrator(): Recorder<[string, ComputeMessage]> {
      const received = new Recorder<[string, ComputeMessage]>();
      harness.orchestrator.onMessage((nodeId, message) => received.push([nodeId, message]));
      return received;
    }

    describe('handshake', () => {
      it('accepts a node: response, request fields, connection event, state', async () => {
        const compute = await harness.createCompute('n-1');
        const states: string[] = [];
        compute.onStateChange((state) => states.push(state));
        expect(compute.state).toBe('disconnected');

        const response = await compute.connect(testNodeInfo('n-1'));

        expect(response).toMatchObject({
          accepted: true,
          reason: 'node registered',
          LastComputeSeqNum: 0,
          LastOrchestratorSeqNum: 0,
        });
        expect(compute.state).toBe('connected');
        expect(states).toEqual(['connecting', 'connected']);
        expect(control.handshakes).toHaveLength(1);
        const [request, context] = control.handshakes[0]!;
        expect(request.NodeInfo).toEqual(testNodeInfo('n-1'));
        expect(request.LastOrchestratorSeqNum).toBe(0);
        expect(Number.isNaN(Date.parse(request.StartTime))).toBe(false);
        expect(context.nodeId).toBe('n-1');
        expect(context.signal.aborted).toBe(false);
        expect(connections).toEqual([
          expect.objectContaining({ nodeId: 'n-1', status: 'CONNECTED', reason: 'handshake' }),
        ]);
      });

      it("sends the StartTime, data dir's InstanceID and heartbeat interval it was given; Go's fields only by default", async () => {
        const started = new Date('2026-01-02T03:04:05.678Z');
        const compute = await harness.createCompute('n-1', {
          startTime: started,
          instanceID: 'inst-1',
          heartbeatIntervalMs: 5000,
        });
        await compute.connect(testNodeInfo('n-1'));
        await (await harness.createCompute('n-2')).connect(testNodeInfo('n-2'));
        const [first, second] = control.handshakes.map(([request]) => request);
        expect(first?.StartTime).toBe('2026-01-02T03:04:05.678Z');
        expect(first?.InstanceID).toBe('inst-1');
        expect(first?.HeartbeatInterval).toBe(5_000_000_000); // ns, as Go writes a time.Duration
        expect(second).not.toHaveProperty('InstanceID');
        expect(second).not.toHaveProperty('HeartbeatInterval');
      });

      it('is idempotent while connected', async () => {
        const { compute, response } = await connectedNode('n-1');
        await expect(compute.connect(testNodeInfo('n-1'))).resolves.toEqual(response);
        expect(control.handshakes).toHaveLength(1);
      });

      it('refuses a rejected node: Forbidden with the reason, no data plane', async () => {
        control.decide = () => ({ accepted: false, reason: 'node has been rejected' });
        const compute = await harness.createCompute('n-1');
        const received = new Recorder<OrchestratorMessage>();
        compute.onMessage(received.push);

        const error: unknown = await compute.connect(testNodeInfo('n-1')).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(BacalhauError);
        expect(error).toMatchObject({
          code: ErrorCode.Forbidden,
          details: { reason: 'node has been rejected' },
        });
        expect(compute.state).toBe('disconnected');
        expect(connections).toEqual([]);
        await harness.orchestrator.send('n-1', bidRejected('e-1'));
        await settle();
        expect(received.items).toEqual([]);
        const heartbeat: unknown = await compute.heartbeat(capacity).catch((e: unknown) => e);
        expect(isHandshakeRequired(heartbeat)).toBe(true);
      });

      it("passes the handler's error through with its code", async () => {
        control.decide = () => {
          throw new BacalhauError('store unavailable', { code: ErrorCode.DatastoreFailure, retryable: true });
        };
        const compute = await harness.createCompute('n-1');
        await expect(compute.connect(testNodeInfo('n-1'))).rejects.toMatchObject({
          code: ErrorCode.DatastoreFailure,
          retryable: true,
        });
        expect(compute.state).toBe('disconnected');
      });

      it('fails with ServiceUnavailable while the orchestrator serves no control plane', async () => {
        stopServing();
        const compute = await harness.createCompute('n-1');
        await expect(compute.connect(testNodeInfo('n-1'))).rejects.toMatchObject({
          code: ErrorCode.ServiceUnavailable,
        });
        harness.orchestrator.serveControlPlane(control);
        await expect(compute.connect(testNodeInfo('n-1'))).resolves.toMatchObject({ accepted: true });
      });

      it('allows one control-plane handler and one message handler at a time', async () => {
        expect(() => harness.orchestrator.serveControlPlane(control)).toThrow(
          expect.objectContaining({ code: ErrorCode.BadRequest }),
        );
        const stop = harness.orchestrator.onMessage(() => undefined);
        expect(() => harness.orchestrator.onMessage(() => undefined)).toThrow(BacalhauError);
        stop();
        stop();
        harness.orchestrator.onMessage(() => undefined);
        const compute = await harness.createCompute('n-1');
        compute.onMessage(() => undefined);
        expect(() => compute.onMessage(() => undefined)).toThrow(BacalhauError);
      });
    });

    describe('control plane', () => {
      it('delivers heartbeats with capacity and acknowledgements both ways', async () => {
        const orchestratorReceived = recordOrchestrator();
        const { compute, received } = await connectedNode('n-1');
        for (let i = 1; i <= 3; i++) await harness.orchestrator.send('n-1', cancelExecution(`e-${i}`));
        await compute.send(bidResult(testExecution(), true));
        await compute.send(bidResult(testExecution(), false));
        await received.waitFor(3);
        await orchestratorReceived.waitFor(2);
        await settle(5);

        const response = await compute.heartbeat(capacity);

        expect(response).toEqual({ LastComputeSeqNum: 2 });
        expect(control.heartbeats).toHaveLength(1);
        const [request, context] = control.heartbeats[0]!;
        expect(request).toEqual({ NodeID: 'n-1', ...capacity, LastOrchestratorSeqNum: 3 });
        expect(context.sequence).toMatchObject({ lastOrchestratorSeqNum: 3, lastComputeSeqNum: 2 });
        expect(compute.sequenceState()).toMatchObject({
          lastOrchestratorSeqNum: 3,
          lastComputeSeqNum: 2,
          ackedComputeSeqNum: 2,
          pending: 0,
        });
        expect(harness.orchestrator.sequenceState('n-1')).toMatchObject({
          lastOrchestratorSeqNum: 3,
          ackedOrchestratorSeqNum: 3,
          lastComputeSeqNum: 2,
          pending: 0,
        });
      });

      it('refuses control requests of a node that has not handshaken (HandshakeRequired)', async () => {
        const compute = await harness.createCompute('n-1');
        const error: unknown = await compute.heartbeat(capacity).catch((e: unknown) => e);
        expect(isHandshakeRequired(error)).toBe(true);
        expect(error).toMatchObject({ retryable: true });
        expect(
          isHandshakeRequired(await compute.updateNodeInfo(testNodeInfo('n-1')).catch((e: unknown) => e)),
        ).toBe(true);
        expect(control.heartbeats).toEqual([]);
      });

      it('drops the connection when the handler answers HandshakeRequired, and replays after reconnecting', async () => {
        const { compute, received } = await connectedNode('n-1');
        control.onHeartbeat = (request) => {
          throw handshakeRequiredError(request.NodeID);
        };
        const error: unknown = await compute.heartbeat(capacity).catch((e: unknown) => e);
        expect(isHandshakeRequired(error)).toBe(true);
        expect(compute.state).toBe('disconnected');

        await harness.orchestrator.send('n-1', cancelExecution('e-1'));
        await settle();
        expect(received.items).toEqual([]);
        control.onHeartbeat = () => undefined;
        await compute.connect(testNodeInfo('n-1'));
        expect(cancelIds(await received.waitFor(1))).toEqual(['e-1']);
        await expect(compute.heartbeat(capacity)).resolves.toEqual({ LastComputeSeqNum: 0 });
      });

      it('delivers node info updates and returns the answer', async () => {
        const { compute } = await connectedNode('n-1');
        const updated = testNodeInfo('n-1', { labels: { zone: 'eu-1' } });
        await expect(compute.updateNodeInfo(updated)).resolves.toMatchObject({ accepted: true });
        expect(control.nodeInfoUpdates).toEqual([{ NodeInfo: updated }]);

        control.onNodeInfo = () => ({ accepted: false, reason: 'node registration rejected' });
        await expect(compute.updateNodeInfo(updated)).resolves.toEqual({
          accepted: false,
          reason: 'node registration rejected',
        });
      });

      it('sends a shutdown notice on a graceful disconnect', async () => {
        const { compute, received } = await connectedNode('n-1');
        await harness.orchestrator.send('n-1', cancelExecution('e-1'));
        await received.waitFor(1);
        await settle(5);

        await compute.disconnect({ reason: 'maintenance' });

        expect(control.shutdowns).toEqual([
          { NodeID: 'n-1', Reason: 'maintenance', LastOrchestratorSeqNum: 1 },
        ]);
        expect(compute.state).toBe('disconnected');
        expect(connections.map((e) => [e.status, e.reason])).toEqual([
          ['CONNECTED', 'handshake'],
          ['DISCONNECTED', 'graceful shutdown'],
        ]);
        await compute.disconnect();
        expect(control.shutdowns).toHaveLength(1);

        await harness.orchestrator.send('n-1', cancelExecution('e-2'));
        const response = await compute.connect(testNodeInfo('n-1'));
        expect(response.LastOrchestratorSeqNum).toBe(1);
        expect(cancelIds(await received.waitFor(2))).toEqual(['e-1', 'e-2']);
        expect(connections.at(-1)).toMatchObject({ status: 'CONNECTED', reason: 'reconnect' });
      });

      it('tells nobody when a node drops without notice', async () => {
        const { compute } = await connectedNode('n-1');
        await compute.disconnect({ notify: false });
        expect(compute.state).toBe('disconnected');
        expect(control.shutdowns).toEqual([]);
        expect(connections.map((e) => e.status)).toEqual(['CONNECTED']);
      });
    });

    describe('data plane', () => {
      it('carries every message type intact, both ways, with sequence numbers from 1', async () => {
        const orchestratorReceived = recordOrchestrator();
        const { compute, received } = await connectedNode('n-1');
        const execution = testExecution({ nodeId: 'n-1' });

        await harness.orchestrator.send('n-1', askForBid(execution));
        await harness.orchestrator.send('n-1', bidAccepted(execution.ID));
        await harness.orchestrator.send('n-1', bidRejected(execution.ID));
        await harness.orchestrator.send('n-1', cancelExecution(execution.ID));
        const toCompute = await received.waitFor(4);

        expect(toCompute.map((m) => [m.type, m.seqNum])).toEqual([
          ['AskForBid', 1],
          ['BidAccepted', 2],
          ['BidRejected', 3],
          ['CancelExecution', 4],
        ]);
        expect(toCompute[0]!.payload).toEqual({ Events: [], Execution: execution });
        expect(toCompute[1]!.payload).toEqual({ Events: [], ExecutionID: execution.ID, Accepted: true });

        const now = new Date('2025-01-01T00:00:00Z');
        await compute.send(bidResult(execution, true));
        await compute.send(
          runResult(execution, {
            PublishResult: { Type: 'local', Params: { URL: 'http://n-1/results' } },
            RunCommandResult: {
              Stdout: 'hello\n',
              StdoutTruncated: false,
              stderr: '',
              StderrTruncated: false,
              ExitCode: 0,
              ErrorMsg: '',
            },
          }),
        );
        await compute.send(
          computeError(execution, new BacalhauError('boom', { code: ErrorCode.InternalError }), { now }),
        );
        const toOrchestrator = await orchestratorReceived.waitFor(3);

        expect(toOrchestrator.map(([nodeId, m]) => [nodeId, m.type, m.seqNum])).toEqual([
          ['n-1', 'BidResult', 1],
          ['n-1', 'RunResult', 2],
          ['n-1', 'ComputeError', 3],
        ]);
        expect(toOrchestrator[0]![1].payload).toEqual({
          ExecutionID: execution.ID,
          JobID: execution.JobID,
          JobType: 'batch',
          Events: [],
          Accepted: true,
        });
        expect(toOrchestrator[1]![1].payload).toMatchObject({
          PublishResult: { Type: 'local', Params: { URL: 'http://n-1/results' } },
          RunCommandResult: { Stdout: 'hello\n', ExitCode: 0 },
        });
        expect(toOrchestrator[2]![1].payload.Events).toEqual([
          {
            Message: 'boom',
            Topic: 'Execution',
            // Go's time.Time JSON: no fraction on a whole second
            Timestamp: '2025-01-01T00:00:00Z',
            Details: { ErrorCode: 'Bacalhau:InternalError', IsError: 'true' },
          },
        ]);
      });

      it('keeps per-node order under load, one message at a time per node', async () => {
        const nodes = ['n-1', 'n-2', 'n-3', 'n-4'];
        const perNode = 400;
        const active = new Map<string, number>();
        let overlaps = 0;
        const enter = (nodeId: string) => {
          const now = (active.get(nodeId) ?? 0) + 1;
          active.set(nodeId, now);
          if (now > 1) overlaps++;
        };
        const leave = (nodeId: string) => active.set(nodeId, (active.get(nodeId) ?? 1) - 1);

        const fromNodes = new Map<string, ComputeMessage[]>(nodes.map((n) => [n, []]));
        let total = 0;
        const allIn = gate();
        harness.orchestrator.onMessage(async (nodeId, message) => {
          enter(nodeId);
          if (message.seqNum % 7 === 0) await settle(0);
          else await Promise.resolve();
          fromNodes.get(nodeId)!.push(message);
          leave(nodeId);
          if (++total === nodes.length * perNode) allIn.open();
        });
        const computes = await Promise.all(
          nodes.map(async (nodeId) => {
            const compute = await harness.createCompute(nodeId);
            const received: OrchestratorMessage[] = [];
            compute.onMessage(async (message) => {
              enter(`c-${nodeId}`);
              if (message.seqNum % 5 === 0) await settle(0);
              received.push(message);
              leave(`c-${nodeId}`);
            });
            await compute.connect(testNodeInfo(nodeId));
            return { nodeId, compute, received };
          }),
        );

        const sends: Promise<void>[] = [];
        for (let i = 1; i <= perNode; i++) {
          for (const { nodeId, compute } of computes) {
            sends.push(harness.orchestrator.send(nodeId, cancelExecution(`e-${i}`)));
            sends.push(compute.send(bidResult(testExecution({ id: `e-${i}`, nodeId }), true)));
          }
        }
        await Promise.all(sends);
        await allIn.promise;
        for (let i = 0; i < 200 && computes.some((c) => c.received.length < perNode); i++) await settle(5);

        expect(overlaps).toBe(0);
        for (const { nodeId, received } of computes) {
          expect(seqNums(received)).toEqual(range(1, perNode));
          expect(cancelIds(received)).toEqual(range(1, perNode).map((i) => `e-${i}`));
          const results = fromNodes.get(nodeId)!;
          expect(seqNums(results)).toEqual(range(1, perNode));
          expect(results.map((m) => m.payload.ExecutionID)).toEqual(range(1, perNode).map((i) => `e-${i}`));
        }
      });

      it('queues messages for a node until it connects', async () => {
        await harness.orchestrator.send('n-1', cancelExecution('e-1'));
        await harness.orchestrator.send('n-1', cancelExecution('e-2'));
        expect(harness.orchestrator.sequenceState('n-1')).toMatchObject({
          lastOrchestratorSeqNum: 2,
          pending: 2,
        });
        const { received, response } = await connectedNode('n-1');
        expect(response.LastOrchestratorSeqNum).toBe(0);
        const messages = await received.waitFor(2);
        expect(cancelIds(messages)).toEqual(['e-1', 'e-2']);
        expect(seqNums(messages)).toEqual([1, 2]);
      });

      it('keeps messages until a handler is registered', async () => {
        const compute = await harness.createCompute('n-1');
        await compute.connect(testNodeInfo('n-1'));
        await harness.orchestrator.send('n-1', cancelExecution('e-1'));
        await compute.send(bidResult(testExecution({ id: 'e-1' }), true));
        await settle();
        const toCompute = new Recorder<OrchestratorMessage>();
        compute.onMessage(toCompute.push);
        const toOrchestrator = recordOrchestrator();
        expect(cancelIds(await toCompute.waitFor(1))).toEqual(['e-1']);
        expect((await toOrchestrator.waitFor(1))[0]![1].payload.ExecutionID).toBe('e-1');
      });

      it('goes on after a handler fails', async () => {
        let calls = 0;
        harness.orchestrator.onMessage(() => {
          if (++calls === 1) throw new Error('handler bug');
        });
        const compute = await harness.createCompute('n-1');
        const received = new Recorder<OrchestratorMessage>();
        compute.onMessage((message) => {
          received.push(message);
          if (message.seqNum === 1) return Promise.reject(new Error('async handler bug'));
        });
        await compute.connect(testNodeInfo('n-1'));
        await compute.send(bidResult(testExecution(), true));
        await compute.send(bidResult(testExecution(), true));
        await harness.orchestrator.send('n-1', cancelExecution('e-1'));
        await harness.orchestrator.send('n-1', cancelExecution('e-2'));
        expect(cancelIds(await received.waitFor(2))).toEqual(['e-1', 'e-2']);
        for (let i = 0; i < 100 && calls < 2; i++) await settle(5);
        expect(calls).toBe(2);
        expect(handlerErrors).toHaveLength(2);
      });
    });

    describe('disconnection and replay', () => {
      it('replays both streams after a partition, without duplicates or gaps', async () => {
        const orchestratorReceived = recordOrchestrator();
        const { compute, received } = await connectedNode('n-1');
        for (let i = 1; i <= 5; i++) await harness.orchestrator.send('n-1', cancelExecution(`e-${i}`));
        for (let i = 1; i <= 3; i++) await compute.send(bidResult(testExecution({ id: `e-${i}` }), true));
        await received.waitFor(5);
        await orchestratorReceived.waitFor(3);
        await settle(5);

        await harness.partition('n-1');
        await compute.heartbeat(capacity).catch(() => undefined);
        expect(compute.state).toBe('disconnected');
        for (let i = 6; i <= 10; i++) await harness.orchestrator.send('n-1', cancelExecution(`e-${i}`));
        for (let i = 4; i <= 6; i++) await compute.send(bidResult(testExecution({ id: `e-${i}` }), true));
        await settle();
        expect(received.items).toHaveLength(5);
        expect(orchestratorReceived.items).toHaveLength(3);
        await expect(compute.connect(testNodeInfo('n-1'))).rejects.toBeInstanceOf(BacalhauError);

        await harness.heal('n-1');
        const response = await compute.connect(testNodeInfo('n-1'));

        expect(response).toMatchObject({ accepted: true, LastOrchestratorSeqNum: 5, LastComputeSeqNum: 3 });
        const toCompute = await received.waitFor(10);
        const toOrchestrator = await orchestratorReceived.waitFor(6);
        await settle();
        expect(seqNums(received.items)).toEqual(range(1, 10));
        expect(cancelIds(toCompute)).toEqual(range(1, 10).map((i) => `e-${i}`));
        expect(seqNums(orchestratorReceived.items.map(([, m]) => m))).toEqual(range(1, 6));
        expect(toOrchestrator.map(([, m]) => m.payload.ExecutionID)).toEqual(
          range(1, 6).map((i) => `e-${i}`),
        );
      });

      it('does not process twice a message that was being handled when the connection dropped', async () => {
        const compute = await harness.createCompute('n-1');
        const handled: number[] = [];
        const hold = gate();
        const entered = gate();
        compute.onMessage(async (message) => {
          if (message.seqNum === 2) {
            entered.open();
            await hold.promise;
          }
          handled.push(message.seqNum);
        });
        await compute.connect(testNodeInfo('n-1'));
        for (let i = 1; i <= 3; i++) await harness.orchestrator.send('n-1', cancelExecution(`e-${i}`));
        await entered.promise;

        await harness.partition('n-1');
        await harness.heal('n-1');
        await compute.connect(testNodeInfo('n-1'));
        hold.open();
        for (let i = 0; i < 100 && handled.length < 3; i++) await settle(5);
        await settle();

        expect(handled).toEqual([1, 2, 3]);
      });

      it('hands nothing more to a node once it is disconnected, until it connects again', async () => {
        const compute = await harness.createCompute('n-1');
        const handled: number[] = [];
        const hold = gate();
        const entered = gate();
        compute.onMessage(async (message) => {
          if (message.seqNum === 1) {
            entered.open();
            await hold.promise;
          }
          handled.push(message.seqNum);
        });
        await compute.connect(testNodeInfo('n-1'));
        for (let i = 1; i <= 3; i++) await harness.orchestrator.send('n-1', cancelExecution(`e-${i}`));
        await entered.promise;

        await harness.partition('n-1');
        await compute.heartbeat(capacity).catch(() => undefined);
        expect(compute.state).toBe('disconnected');
        hold.open();
        await settle();
        expect(handled).toEqual([1]);

        await harness.heal('n-1');
        await compute.connect(testNodeInfo('n-1'));
        for (let i = 0; i < 100 && handled.length < 3; i++) await settle(5);
        expect(handled).toEqual([1, 2, 3]);
      });

      it('leaves a message its handler refuses with HandshakeRequired unprocessed: the node replays it after reconnecting', async () => {
        const handled: string[] = [];
        let refuse = true;
        harness.orchestrator.onMessage((_nodeId, message) => {
          if (refuse) throw handshakeRequiredError('n-1');
          handled.push(message.payload.ExecutionID);
        });
        const compute = await harness.createCompute('n-1');
        await compute.connect(testNodeInfo('n-1'));
        const processed: string[] = [];
        for (const id of ['e-1', 'e-2']) {
          await compute.send(bidResult(testExecution({ id }), true), {
            onProcessed: () => processed.push(id),
          });
        }
        await vi.waitFor(() => expect(connections.at(-1)?.status).toBe('DISCONNECTED'));
        await settle();
        expect(connections.at(-1)?.reason).toBe('disconnected by orchestrator');
        // neither the refused message nor the one after it counts, and the refusal is no handler error
        expect(harness.orchestrator.sequenceState('n-1')?.lastComputeSeqNum).toBe(0);
        expect([handled, processed, handlerErrors]).toEqual([[], [], []]);
        await compute.heartbeat(capacity).catch(() => undefined);
        expect(compute.state).toBe('disconnected');

        refuse = false;
        await compute.connect(testNodeInfo('n-1'));
        await vi.waitFor(() => expect(processed).toEqual(['e-1', 'e-2']));
        expect(handled).toEqual(['e-1', 'e-2']);
        expect(harness.orchestrator.sequenceState('n-1')?.lastComputeSeqNum).toBe(2);
      });

      it('tells the sender once the orchestrator processed a message, never for one dropped at stop', async () => {
        const hold = gate();
        harness.orchestrator.onMessage((_nodeId, message) =>
          message.payload.ExecutionID === 'e-2' ? hold.promise : undefined,
        );
        const compute = await harness.createCompute('n-1');
        await compute.connect(testNodeInfo('n-1'));
        const processed: string[] = [];
        for (const id of ['e-1', 'e-2', 'e-3']) {
          await compute.send(bidResult(testExecution({ id }), true), {
            onProcessed: () => processed.push(id),
          });
        }
        // acknowledged by the next heartbeat at the latest
        await settle();
        await compute.heartbeat(capacity);
        await vi.waitFor(() => expect(processed).toEqual(['e-1']));

        await compute.stop();
        hold.open();
        await settle();
        expect(processed).toEqual(['e-1']);
      });

      it('lets the orchestrator drop a node: HandshakeRequired, then replay on reconnect', async () => {
        const { compute, received } = await connectedNode('n-1');
        await harness.orchestrator.disconnect('n-1');
        await harness.orchestrator.disconnect('n-1');
        expect(connections.map((e) => [e.status, e.reason])).toEqual([
          ['CONNECTED', 'handshake'],
          ['DISCONNECTED', 'disconnected by orchestrator'],
        ]);
        await harness.orchestrator.send('n-1', cancelExecution('e-1'));

        const error: unknown = await compute.heartbeat(capacity).catch((e: unknown) => e);
        expect(isHandshakeRequired(error)).toBe(true);
        expect(compute.state).toBe('disconnected');
        await compute.connect(testNodeInfo('n-1'));
        expect(cancelIds(await received.waitFor(1))).toEqual(['e-1']);
        expect(connections.at(-1)).toMatchObject({ status: 'CONNECTED', reason: 'reconnect' });
      });

      /** Two processes of one bacalhau-ts node: the same data dir, started at different times. */
      const incarnation = (minute: number): HandshakeIdentityOptions => ({
        instanceID: 'inst-1',
        startTime: new Date(Date.UTC(2026, 0, 1, 0, minute)),
      });

      it('resumes a restarted node after what its previous incarnation processed', async () => {
        const orchestratorReceived = recordOrchestrator();
        const first = await connectedNode('n-1', undefined, incarnation(0));
        for (let i = 1; i <= 3; i++) await harness.orchestrator.send('n-1', cancelExecution(`e-${i}`));
        await first.compute.send(bidResult(testExecution({ id: 'e-1' }), true));
        await first.compute.send(bidResult(testExecution({ id: 'e-2' }), true));
        await first.received.waitFor(3);
        await orchestratorReceived.waitFor(2);
        await settle(5);
        await first.compute.heartbeat(capacity);
        await first.compute.disconnect({ notify: false });

        for (let i = 4; i <= 5; i++) await harness.orchestrator.send('n-1', cancelExecution(`e-${i}`));
        const second = await harness.createCompute('n-1', incarnation(1));
        const received = new Recorder<OrchestratorMessage>();
        second.onMessage(received.push);
        await second.send(runResult(testExecution({ id: 'e-3' }), {}));
        const response = await second.connect(testNodeInfo('n-1'));

        expect(response).toMatchObject({ LastOrchestratorSeqNum: 3, LastComputeSeqNum: 2 });
        const messages = await received.waitFor(2);
        expect(seqNums(messages)).toEqual([4, 5]);
        expect(cancelIds(messages)).toEqual(['e-4', 'e-5']);
        const results = await orchestratorReceived.waitFor(3);
        expect(results[2]![1]).toMatchObject({
          type: 'RunResult',
          seqNum: 3,
          payload: { ExecutionID: 'e-3' },
        });
        await second.send(bidResult(testExecution({ id: 'e-4' }), true));
        expect((await orchestratorReceived.waitFor(4))[3]![1].seqNum).toBe(4);
        await settle();
        expect(received.items).toHaveLength(2);
      });

      it("numbers a restarted node's messages after one of its previous incarnation still being handled", async () => {
        const hold = gate();
        const entered = gate();
        const handled: string[] = [];
        harness.orchestrator.onMessage(async (_nodeId, message) => {
          if (message.payload.ExecutionID === 'e-2') {
            entered.open();
            await hold.promise;
          }
          handled.push(message.payload.ExecutionID);
        });
        const first = await connectedNode('n-1', undefined, incarnation(0));
        await first.compute.send(bidResult(testExecution({ id: 'e-1' }), true));
        await first.compute.send(bidResult(testExecution({ id: 'e-2' }), true));
        await entered.promise;
        await first.compute.disconnect({ notify: false });

        const second = await harness.createCompute('n-1', incarnation(1));
        const connecting = second.connect(testNodeInfo('n-1'));
        await settle();
        hold.open();
        const response = await connecting;

        expect(response.LastComputeSeqNum).toBe(2);
        await second.send(bidResult(testExecution({ id: 'e-3' }), true));
        for (let i = 0; i < 100 && handled.length < 3; i++) await settle(5);
        expect(handled).toEqual(['e-1', 'e-2', 'e-3']);
      });

      it('starts the numbering over for another process of a node sending no InstanceID (a Go node)', async () => {
        const orchestratorReceived = recordOrchestrator();
        const goProcess = (minute: number) => ({ startTime: new Date(Date.UTC(2026, 0, 1, 0, minute)) });
        const first = await connectedNode('n-1', undefined, goProcess(0));
        await first.compute.send(bidResult(testExecution({ id: 'e-1' }), true));
        await first.compute.send(bidResult(testExecution({ id: 'e-2' }), true));
        await orchestratorReceived.waitFor(2);
        await vi.waitFor(() => expect(harness.orchestrator.sequenceState('n-1')?.lastComputeSeqNum).toBe(2));
        // the same process back (a reconnect): its numbering goes on
        await first.compute.disconnect({ notify: false });
        expect((await first.compute.connect(testNodeInfo('n-1'))).LastComputeSeqNum).toBe(2);
        await first.compute.disconnect({ notify: false });

        const second = await harness.createCompute('n-1', goProcess(1));
        expect((await second.connect(testNodeInfo('n-1'))).LastComputeSeqNum).toBe(0);
        // the handshake's handler (the node manager, which records the count) is told the count it answers
        expect(control.handshakes.map(([, context]) => context.sequence.lastComputeSeqNum)).toEqual([
          0, 2, 0,
        ]);
        await second.send(bidResult(testExecution({ id: 'e-3' }), true));
        const results = await orchestratorReceived.waitFor(3);
        expect(results[2]![1]).toMatchObject({ seqNum: 1, payload: { ExecutionID: 'e-3' } });
        await vi.waitFor(() => expect(harness.orchestrator.sequenceState('n-1')?.lastComputeSeqNum).toBe(1));
      });

      it('moves a node to its newest connection', async () => {
        const first = await connectedNode('n-1');
        const second = await connectedNode('n-1');
        await first.compute.heartbeat(capacity).catch(() => undefined);
        expect(first.compute.state).toBe('disconnected');
        expect(second.compute.state).toBe('connected');
        await harness.orchestrator.send('n-1', cancelExecution('e-1'));
        expect(cancelIds(await second.received.waitFor(1))).toEqual(['e-1']);
        await settle();
        expect(first.received.items).toEqual([]);
      });
    });

    describe('abort signals', () => {
      it('does not send a message whose signal already fired', async () => {
        const { compute, received } = await connectedNode('n-1');
        const orchestratorReceived = recordOrchestrator();
        const aborted = AbortSignal.abort();

        await expect(
          harness.orchestrator.send('n-1', cancelExecution('e-0'), { signal: aborted }),
        ).rejects.toMatchObject({ code: ErrorCode.RequestCancelled });
        await expect(
          compute.send(bidResult(testExecution(), true), { signal: aborted }),
        ).rejects.toMatchObject({
          code: ErrorCode.RequestCancelled,
        });

        await harness.orchestrator.send('n-1', cancelExecution('e-1'));
        await compute.send(bidResult(testExecution({ id: 'e-1' }), true));
        const [message] = await received.waitFor(1);
        expect(message).toMatchObject({ seqNum: 1, payload: { ExecutionID: 'e-1' } });
        const [[, result]] = (await orchestratorReceived.waitFor(1)) as [[string, ComputeMessage]];
        expect(result).toMatchObject({ seqNum: 1, payload: { ExecutionID: 'e-1' } });
      });

      it('gives up a handshake when its signal fires', async () => {
        const compute = await harness.createCompute('n-1');
        await expect(
          compute.connect(testNodeInfo('n-1'), { signal: AbortSignal.abort() }),
        ).rejects.toMatchObject({
          code: ErrorCode.RequestCancelled,
        });
        expect(control.handshakes).toEqual([]);

        const hold = gate();
        control.decide = async () => {
          await hold.promise;
          return { accepted: true };
        };
        const controller = new AbortController();
        const connecting = compute.connect(testNodeInfo('n-1'), { signal: controller.signal });
        for (let i = 0; i < 100 && control.handshakes.length === 0; i++) await settle(5);
        controller.abort();
        await expect(connecting).rejects.toMatchObject({ code: ErrorCode.RequestCancelled });
        expect(compute.state).toBe('disconnected');
        hold.open();
        await settle();
        expect(compute.state).toBe('disconnected');

        control.decide = () => ({ accepted: true });
        await expect(compute.connect(testNodeInfo('n-1'))).resolves.toMatchObject({ accepted: true });
      });

      it('gives up control requests when their signal fires', async () => {
        const { compute } = await connectedNode('n-1');
        await expect(compute.heartbeat(capacity, { signal: AbortSignal.abort() })).rejects.toMatchObject({
          code: ErrorCode.RequestCancelled,
        });
        const hold = gate();
        control.onHeartbeat = () => hold.promise;
        await expect(compute.heartbeat(capacity, { signal: AbortSignal.timeout(20) })).rejects.toMatchObject({
          code: ErrorCode.TimeOut,
        });
        hold.open();
        expect(compute.state).toBe('connected');
      });
    });

    describe('stop', () => {
      it('stops a compute side: shutdown notice, final state, idempotent', async () => {
        const { compute } = await connectedNode('n-1');
        await Promise.all([compute.stop(), compute.stop()]);
        await compute.stop();

        expect(compute.state).toBe('stopped');
        expect(control.shutdowns).toHaveLength(1);
        expect(connections.at(-1)).toMatchObject({ status: 'DISCONNECTED', reason: 'graceful shutdown' });
        for (const call of [
          compute.send(bidResult(testExecution(), true)),
          compute.connect(testNodeInfo('n-1')),
          compute.heartbeat(capacity),
        ]) {
          await expect(call).rejects.toMatchObject({ code: ErrorCode.ServiceUnavailable });
        }
      });

      it('resolves stop once no handler is running', async () => {
        const compute = await harness.createCompute('n-1');
        const hold = gate();
        const entered = gate();
        compute.onMessage(async () => {
          entered.open();
          await hold.promise;
        });
        await compute.connect(testNodeInfo('n-1'));
        await harness.orchestrator.send('n-1', cancelExecution('e-1'));
        await entered.promise;
        let stopped = false;
        const stopping = compute.stop().then(() => {
          stopped = true;
        });
        await settle();
        expect(stopped).toBe(false);
        hold.open();
        await stopping;
        expect(stopped).toBe(true);
      });

      it('stops the orchestrator side: nodes lose their connection, calls fail', async () => {
        const { compute } = await connectedNode('n-1');
        await harness.orchestrator.stop();
        await harness.orchestrator.stop();

        expect(harness.orchestrator.state).toBe('stopped');
        await compute.heartbeat(capacity).catch(() => undefined);
        expect(compute.state).toBe('disconnected');
        await expect(compute.connect(testNodeInfo('n-1'))).rejects.toMatchObject({ retryable: true });
        await expect(harness.orchestrator.send('n-1', cancelExecution('e-1'))).rejects.toMatchObject({
          code: ErrorCode.ServiceUnavailable,
        });
        await expect(compute.send(bidResult(testExecution(), true))).resolves.toBeUndefined();
      });

      it('stops everything, idempotently, delivering nothing more and leaving no timers behind', async () => {
        await harness.stop();
        const baseline = activeTimers();
        const errors: unknown[] = [];
        const local = await factory({ onHandlerError: (error) => errors.push(error) });
        const localControl = new RecordingControlPlane();
        local.orchestrator.serveControlPlane(localControl);
        let toOrchestrator = 0;
        local.orchestrator.onMessage(() => {
          toOrchestrator++;
        });
        const nodes = await Promise.all(
          ['n-1', 'n-2', 'n-3'].map(async (nodeId) => {
            const compute = await local.createCompute(nodeId);
            await compute.connect(testNodeInfo(nodeId));
            return compute;
          }),
        );
        let toCompute = 0;
        nodes[0]!.onMessage(() => {
          toCompute++;
        });
        for (let i = 0; i < 50; i++) {
          for (const compute of nodes) {
            await local.orchestrator.send(compute.nodeId, cancelExecution(`e-${i}`));
            await compute.send(bidResult(testExecution(), true));
          }
        }

        await Promise.all([local.stop(), local.stop()]);
        await local.stop();
        const counts = [toOrchestrator, toCompute];
        await settle();

        expect([toOrchestrator, toCompute]).toEqual(counts);
        expect(local.orchestrator.state).toBe('stopped');
        for (const compute of nodes) {
          expect(compute.state).toBe('stopped');
          await expect(compute.send(bidResult(testExecution(), true))).rejects.toMatchObject({
            code: ErrorCode.ServiceUnavailable,
          });
        }
        await expect(local.orchestrator.send('n-1', cancelExecution('e-x'))).rejects.toMatchObject({
          code: ErrorCode.ServiceUnavailable,
        });
        expect(await timersBackTo(baseline)).toBeLessThanOrEqual(baseline);
        expect(errors).toEqual([]);
      });
    });
  });
}
