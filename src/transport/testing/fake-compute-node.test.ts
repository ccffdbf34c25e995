import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BacalhauError, ErrorCode } from '../../models/index.js';
import { InMemoryTransportHub } from '../in-memory/index.js';
import { askForBid, bidAccepted, bidRejected, cancelExecution, computeErrorInfo } from '../messages.js';
import type {
  BidResultMessage,
  ComputeErrorMessage,
  ComputeMessage,
  HandshakeRequest,
  HeartbeatRequest,
  RunResultMessage,
} from '../messages.js';
import type { ControlPlaneHandler, HandshakeDecision } from '../types.js';
import { ManualClock } from '../../lib/clock.js';
import {
  ExecutionRestartMessage,
  FakeComputeNode,
  type FakeComputeNodeOptions,
} from './fake-compute-node.js';
import { testExecution, testJob } from './fixtures.js';
import { Recorder, settle } from './recorder.js';

describe('FakeComputeNode', () => {
  let hub: InMemoryTransportHub;
  let handshakes: HandshakeRequest[];
  let heartbeats: HeartbeatRequest[];
  let decide: () => HandshakeDecision;
  let results: Recorder<ComputeMessage>;
  let clock: ManualClock;
  const orchestrator = () => hub.orchestrator;

  beforeEach(async () => {
    hub = await InMemoryTransportHub.create({ copy: 'clone' });
    handshakes = [];
    heartbeats = [];
    decide = () => ({ accepted: true });
    clock = new ManualClock();
    const control: ControlPlaneHandler = {
      handshake: (request) => {
        handshakes.push(request);
        return decide();
      },
      heartbeat: (request) => {
        heartbeats.push(request);
      },
      updateNodeInfo: () => ({ accepted: true }),
      shutdownNotice: () => undefined,
    };
    hub.orchestrator.serveControlPlane(control);
    results = new Recorder<ComputeMessage>();
    hub.orchestrator.onMessage((_nodeId, message) => results.push(message));
  });

  afterEach(() => hub.stop());

  async function fakeNode(options: Partial<FakeComputeNodeOptions> = {}, nodeId = 'n-1') {
    const transport = await hub.createComputeTransport({ nodeId });
    return FakeComputeNode.create({ transport, clock, ...options });
  }

  it('connects with the NodeInfo it was given', async () => {
    const node = await fakeNode({
      nodeInfo: {
        engines: ['wasm'],
        publishers: ['local'],
        storages: ['inline'],
        labels: { zone: 'eu-1' },
        capacity: { CPU: 8, Memory: 2 ** 34 },
      },
    });
    expect(node.state).toBe('running');
    expect(node.transport.state).toBe('connected');
    expect(handshakes).toHaveLength(1);
    const info = handshakes[0]!.NodeInfo;
    expect(info).toMatchObject({
      NodeID: 'n-1',
      NodeType: 'Compute',
      Labels: { zone: 'eu-1' },
      SupportedProtocols: ['ncl/v1'],
      ComputeNodeInfo: {
        ExecutionEngines: ['wasm'],
        Publishers: ['local'],
        StorageSources: ['inline'],
        MaxCapacity: { CPU: 8, Memory: 2 ** 34 },
        AvailableCapacity: { CPU: 8, Memory: 2 ** 34 },
      },
    });
  });

  it('fails to create when the handshake is refused, leaving nothing running', async () => {
    decide = () => ({ accepted: false, reason: 'node has been rejected' });
    const transport = await hub.createComputeTransport({ nodeId: 'n-1' });
    await expect(FakeComputeNode.create({ transport, clock })).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
    expect(transport.state).toBe('stopped');
  });

  it('bids, then runs after BidAccepted and reports the result', async () => {
    const node = await fakeNode();
    const execution = testExecution();
    await orchestrator().send('n-1', askForBid(execution));

    const [bid] = (await results.waitFor(1)) as [BidResultMessage];
    expect(bid).toMatchObject({
      type: 'BidResult',
      payload: { ExecutionID: execution.ID, JobID: execution.JobID, JobType: 'batch', Accepted: true },
    });
    expect(node.executionState(execution.ID)).toBe('AskForBidAccepted');

    await orchestrator().send('n-1', bidAccepted(execution.ID));
    const [, run] = (await results.waitFor(2)) as [BidResultMessage, RunResultMessage];
    expect(run).toMatchObject({
      type: 'RunResult',
      seqNum: 2,
      payload: {
        ExecutionID: execution.ID,
        PublishResult: { Type: 'noop' },
        RunCommandResult: { ExitCode: 0, Stdout: '', stderr: '' },
        Events: [{ Topic: 'Execution', Message: 'Completed successfully' }],
      },
    });
    expect(node.executionState(execution.ID)).toBe('Completed');
    expect(node.received.items.map((m) => m.type)).toEqual(['AskForBid', 'BidAccepted']);
    expect(node.sent.items.map((m) => m.type)).toEqual(['BidResult', 'RunResult']);
  });

  it('rejects a bid with its reason as an Exec Scanning event', async () => {
    const node = await fakeNode({ bid: { action: 'reject', reason: 'engine docker not installed' } });
    const execution = testExecution();
    await orchestrator().send('n-1', askForBid(execution));
    const [bid] = (await results.waitFor(1)) as [BidResultMessage];
    expect(bid.payload).toMatchObject({
      Accepted: false,
      Events: [{ Topic: 'Exec Scanning', Message: 'engine docker not installed' }],
    });
    expect(node.executionState(execution.ID)).toBe('AskForBidRejected');
  });

  it('answers a bid with a ComputeError carrying the error code, hint and retryable flag', async () => {
    const error = new BacalhauError('disk full', {
      code: ErrorCode.ResourceExhausted,
      component: 'Bidder',
      hint: 'free some space',
      retryable: true,
    });
    const node = await fakeNode({ bid: { action: 'error', error } });
    const execution = testExecution();
    await orchestrator().send('n-1', askForBid(execution));
    const [failure] = (await results.waitFor(1)) as [ComputeErrorMessage];
    expect(failure.type).toBe('ComputeError');
    expect(computeErrorInfo(failure.payload)).toMatchObject({
      message: 'disk full',
      code: 'ResourceExhausted',
      component: 'Bidder',
      hint: 'free some space',
      retryable: true,
      failsExecution: false,
    });
    expect(node.executionState(execution.ID)).toBe('Failed');
  });

  it('never answers when told to ignore, and ignores duplicates and unknown executions', async () => {
    const node = await fakeNode({ bid: { action: 'ignore' } });
    const execution = testExecution();
    await orchestrator().send('n-1', askForBid(execution));
    await orchestrator().send('n-1', askForBid(execution));
    await orchestrator().send('n-1', bidAccepted('e-unknown'));
    await orchestrator().send('n-1', cancelExecution('e-unknown'));
    await node.received.waitFor(4);
    await settle();
    expect(results.items).toEqual([]);
    expect(node.executionState(execution.ID)).toBe('New');
    expect(node.executions.size).toBe(1);
  });

  it('runs a direct-run execution (desired Running) without a BidResult', async () => {
    const node = await fakeNode();
    const execution = testExecution({ desired: 'Running', job: testJob({ Type: 'ops' }) });
    await orchestrator().send('n-1', askForBid(execution));
    const [run] = await results.waitFor(1);
    expect(run).toMatchObject({ type: 'RunResult', payload: { JobType: 'ops' } });
    expect(node.executionState(execution.ID)).toBe('Completed');
  });

  it('fails a run with a ComputeError', async () => {
    const node = await fakeNode({
      run: { action: 'fail', error: new BacalhauError('exit code 1', { code: ErrorCode.InternalError }) },
    });
    const execution = testExecution();
    await orchestrator().send('n-1', askForBid(execution));
    await orchestrator().send('n-1', bidAccepted(execution.ID));
    const [, failure] = (await results.waitFor(2)) as [BidResultMessage, ComputeErrorMessage];
    expect(failure.type).toBe('ComputeError');
    expect(computeErrorInfo(failure.payload)).toMatchObject({
      message: 'exit code 1',
      code: 'InternalError',
    });
    expect(node.executionState(execution.ID)).toBe('Failed');
  });

  it('hangs until cancelled, holding capacity meanwhile', async () => {
    const node = await fakeNode({ run: { action: 'hang' }, nodeInfo: { capacity: { CPU: 4 } } });
    const execution = testExecution({ desired: 'Running', cpu: 1.5 });
    await orchestrator().send('n-1', askForBid(execution));
    await node.waitForExecution(execution.ID, 'Running');
    expect(node.nodeInfo().ComputeNodeInfo).toMatchObject({
      AvailableCapacity: { CPU: 2.5 },
      RunningExecutions: 1,
    });
    await node.heartbeat();
    expect(heartbeats[0]!.AvailableCapacity.CPU).toBe(2.5);

    await orchestrator().send('n-1', cancelExecution(execution.ID));
    await node.waitForExecution(execution.ID, 'Cancelled');
    await settle();
    expect(results.items).toEqual([]);
    expect(node.nodeInfo().ComputeNodeInfo.AvailableCapacity.CPU).toBe(4);
  });

  it('completes after the given time on its clock', async () => {
    const node = await fakeNode({ run: { action: 'complete', afterMs: 1000, result: { Stdout: 'done' } } });
    const execution = testExecution({ desired: 'Running' });
    await orchestrator().send('n-1', askForBid(execution));
    await node.waitForExecution(execution.ID, 'Running');
    clock.advance(999);
    await settle();
    expect(results.items).toEqual([]);
    clock.advance(1);
    const [run] = await results.waitFor(1);
    expect(run).toMatchObject({ type: 'RunResult', payload: { RunCommandResult: { Stdout: 'done' } } });
  });

  it('drops an execution whose bid the orchestrator rejected', async () => {
    const node = await fakeNode();
    const execution = testExecution();
    await orchestrator().send('n-1', askForBid(execution));
    await orchestrator().send('n-1', bidRejected(execution.ID));
    await node.waitForExecution(execution.ID, 'BidRejected');
    await orchestrator().send('n-1', bidAccepted(execution.ID));
    await node.received.waitFor(3);
    await settle();
    expect(results.items.map((m) => m.type)).toEqual(['BidResult']);
  });

  it('decides per execution and takes new policies at run time', async () => {
    const node = await fakeNode({
      bid: (execution) =>
        execution.Job?.Labels['gpu'] === 'yes'
          ? { action: 'reject', reason: 'no GPU' }
          : { action: 'accept' },
    });
    await orchestrator().send(
      'n-1',
      askForBid(testExecution({ id: 'e-1', job: testJob({ Labels: { gpu: 'yes' } }) })),
    );
    await orchestrator().send('n-1', askForBid(testExecution({ id: 'e-2' })));
    const [first, second] = (await results.waitFor(2)) as BidResultMessage[];
    expect([first!.payload.Accepted, second!.payload.Accepted]).toEqual([false, true]);

    node.setBidPolicy({ action: 'accept' });
    node.setRunPolicy({ action: 'hang' });
    await orchestrator().send(
      'n-1',
      askForBid(testExecution({ id: 'e-3', job: testJob({ Labels: { gpu: 'yes' } }) })),
    );
    await orchestrator().send('n-1', bidAccepted('e-3'));
    await node.waitForExecution('e-3', 'Running');
  });

  it('heartbeats on an interval of its clock', async () => {
    const node = await fakeNode({ heartbeatIntervalMs: 15_000 });
    clock.advance(14_999);
    await settle(5);
    expect(heartbeats).toHaveLength(0);
    clock.advance(1);
    await node.heartbeats.waitFor(1);
    clock.advance(30_000);
    await node.heartbeats.waitFor(3);
    expect(heartbeats.map((h) => h.NodeID)).toEqual(['n-1', 'n-1', 'n-1']);
  });

  it('reconnects on an interval tick after the orchestrator dropped it', async () => {
    const node = await fakeNode({ heartbeatIntervalMs: 1000 });
    await orchestrator().disconnect('n-1');
    await orchestrator().send('n-1', cancelExecution('e-1'));
    clock.advance(1000);
    await node.received.waitFor(1);
    expect(handshakes).toHaveLength(2);
    expect(node.transport.state).toBe('connected');
  });

  it('crashes and comes back: no heartbeats while down, lost work reported, queued messages delivered', async () => {
    const node = await fakeNode({ heartbeatIntervalMs: 1000, run: { action: 'hang' } });
    const running = testExecution({ id: 'e-running', desired: 'Running' });
    await orchestrator().send('n-1', askForBid(running));
    await node.waitForExecution('e-running', 'Running');

    await node.crash();
    expect(node.state).toBe('crashed');
    expect(node.transport.state).toBe('disconnected');
    expect(clock.pendingTimers).toBe(0);
    clock.advance(5000);
    await settle();
    expect(heartbeats).toHaveLength(0);
    await orchestrator().send('n-1', askForBid(testExecution({ id: 'e-queued', desired: 'Running' })));
    await expect(node.heartbeat()).rejects.toMatchObject({ code: ErrorCode.ServiceUnavailable });

    node.setRunPolicy({ action: 'complete' });
    await node.recover();
    expect(node.state).toBe('running');
    const messages = await results.waitFor(2);
    expect(messages[0]).toMatchObject({ type: 'ComputeError', payload: { ExecutionID: 'e-running' } });
    expect(computeErrorInfo(messages[0]!.payload)).toMatchObject({
      message: ExecutionRestartMessage,
      failsExecution: true,
    });
    expect(messages[1]).toMatchObject({ type: 'RunResult', payload: { ExecutionID: 'e-queued' } });
    clock.advance(1000);
    await node.heartbeats.waitFor(1);
  });

  it('comes back as a new process with a new transport', async () => {
    // a bacalhau-ts node's processes on one data dir: the numbering goes on (compute-numbering.ts)
    const identity = { nodeId: 'n-1', instanceID: 'inst-1' };
    const node = await FakeComputeNode.create({
      transport: await hub.createComputeTransport(identity),
      clock,
    });
    await orchestrator().send('n-1', askForBid(testExecution({ id: 'e-1' })));
    await results.waitFor(1);
    const oldTransport = node.transport;
    await node.crash();
    await orchestrator().send('n-1', askForBid(testExecution({ id: 'e-2' })));

    const transport = await hub.createComputeTransport(identity);
    const response = await node.recover({ transport });

    expect(oldTransport.state).toBe('stopped');
    expect(node.transport).toBe(transport);
    expect(response).toMatchObject({ LastComputeSeqNum: 1, LastOrchestratorSeqNum: 1 });
    const [, second] = await results.waitFor(2);
    expect(second).toMatchObject({ seqNum: 2, payload: { ExecutionID: 'e-2' } });
  });

  it('updates its node info', async () => {
    const node = await fakeNode({ nodeInfo: { labels: { zone: 'a' } } });
    await expect(node.updateNodeInfo({ labels: { zone: 'b' } })).resolves.toEqual({ accepted: true });
    expect(node.nodeInfo().Labels).toEqual({ zone: 'b' });
    expect(node.nodeInfo().ComputeNodeInfo.ExecutionEngines).toEqual(['docker', 'wasm', 'noop']);
  });

  it('can run without recording, forgetting finished executions', async () => {
    const node = await fakeNode({ record: false });
    await orchestrator().send('n-1', askForBid(testExecution({ id: 'e-1', desired: 'Running' })));
    await orchestrator().send('n-1', askForBid(testExecution({ id: 'e-2' })));
    await results.waitFor(2);
    expect(node.received.items).toEqual([]);
    expect(node.sent.items).toEqual([]);
    expect([...node.executions.keys()]).toEqual(['e-2']);
  });

  it('stops idempotently, cancelling its timers', async () => {
    const node = await fakeNode({ heartbeatIntervalMs: 1000, run: { action: 'complete', afterMs: 5000 } });
    await orchestrator().send('n-1', askForBid(testExecution({ desired: 'Running' })));
    await node.received.waitFor(1);
    await settle(5);
    expect(clock.pendingTimers).toBe(2);
    await Promise.all([node.stop(), node.stop()]);
    expect(node.state).toBe('stopped');
    expect(node.transport.state).toBe('stopped');
    expect(clock.pendingTimers).toBe(0);
    await expect(node.connect()).rejects.toMatchObject({ code: ErrorCode.ServiceUnavailable });
  });
});
