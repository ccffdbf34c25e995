import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import {
  BacalhauError,
  ErrorCode,
  type Execution,
  type ExecutionStateType,
  type Job,
  type NetworkConfig,
} from '../../models/index.js';
import { makeEvent, makeExecution, makeJob } from '../../store/store.contract.js';
import { datastoreFailure } from '../../store/errors.js';
import type { JobStore } from '../../store/types.js';
import {
  bidResult,
  computeError,
  newEvent,
  runResult,
  type ComputeMessage,
  type Outgoing,
} from '../../transport/messages.js';
import { settle } from '../../transport/testing/index.js';
import { withHarness, type Harness } from '../nodes/testing.js';
import { Dispatcher } from './dispatcher.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function sequenced(message: Outgoing<ComputeMessage>, seqNum = 1000): ComputeMessage {
  return { ...message, seqNum };
}

/** Stores a job and one execution of it on `nodeId`, with a history entry, as a plan would. */
async function place(
  store: JobStore,
  nodeId: string,
  options: { type?: string; desired?: 'Pending' | 'Running'; network?: NetworkConfig } = {},
): Promise<{ job: Job; execution: Execution }> {
  const type = options.type ?? 'batch';
  const job = await store.createJob(
    makeJob({
      Type: type,
      Count: type === 'batch' || type === 'service' ? 1 : 0,
      Tasks: [
        {
          Name: 'main',
          Engine: { Type: 'docker', Params: { Image: 'ubuntu:24.04' } },
          Publisher: { Type: 'local' },
          ...(options.network === undefined ? {} : { Network: options.network }),
        },
      ],
    }),
  );
  const execution = await store.transaction((tx) => {
    const created = tx.createExecution(
      makeExecution(job, { NodeID: nodeId, DesiredState: { StateType: options.desired ?? 'Pending' } }),
    );
    tx.addExecutionHistory(job.ID, 0, created.ID, [
      makeEvent(`Requested execution on ${nodeId}`, 'Scheduling', { NodeID: nodeId }),
    ]);
    return created;
  });
  return { job, execution };
}

/** A property of `target`; a method bound to it (the store's transaction has private fields). */
function boundTo(target: object, key: string | symbol): unknown {
  const value: unknown = Reflect.get(target, key);
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}

/** Makes the next `failures` execution updates fail as SQLite does on a full disk. */
function fillDisk(h: Harness, failures: number): void {
  let left = failures;
  const transaction = h.store.transaction.bind(h.store);
  vi.spyOn(h.store, 'transaction').mockImplementation((fn, options) =>
    transaction((tx) => {
      const full = new Proxy(tx, {
        get: (target, key) =>
          key === 'updateExecution' && left-- > 0
            ? () => {
                const cause = new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
                throw datastoreFailure('job store write failed: database or disk is full', cause);
              }
            : boundTo(target, key),
      });
      return fn(full);
    }, options),
  );
}

/** What the scheduler does when it approves a bid. */
function approve(store: JobStore, executionID: string) {
  return store.updateExecution({
    executionID,
    newValues: { DesiredState: { StateType: 'Running' }, ComputeState: { StateType: 'BidAccepted' } },
    condition: { expectedStates: ['AskForBidAccepted'] },
    events: [makeEvent('approved', 'Scheduling')],
  });
}

function stop(store: JobStore, executionID: string, compute: 'Cancelled' | 'BidRejected' | 'Failed') {
  return store.updateExecution({
    executionID,
    newValues: { DesiredState: { StateType: 'Stopped' }, ComputeState: { StateType: compute } },
  });
}

async function computeState(h: Harness, id: string) {
  return (await h.store.getExecution(id)).ComputeState.StateType;
}

async function execUpdates(store: JobStore, jobID: string) {
  return (await store.listEvaluations({ jobID })).filter((e) => e.TriggeredBy === 'exec-update');
}

describe('Dispatcher: store → compute node', () => {
  it('sends AskForBid with the job spec and the history of a new execution', async () => {
    await withHarness({}, async (h) => {
      const node = await h.node('n-1', { bid: { action: 'ignore' } });
      const { job, execution } = await place(h.store, 'n-1');
      const [message] = await node.received.waitFor(1);
      expect(message?.type).toBe('AskForBid');
      if (message?.type !== 'AskForBid') return;
      expect(message.payload.Execution.ID).toBe(execution.ID);
      expect(message.payload.Execution.DesiredState.StateType).toBe('Pending');
      expect(message.payload.Execution.Job?.ID).toBe(job.ID);
      expect(message.payload.Execution.Job?.Tasks[0]?.Publisher?.Type).toBe('local');
      expect(message.payload.Events.map((e) => e.Message)).toEqual(['Requested execution on n-1']);
    });
  });

  it("names a task's network as Bacalhau 1.6 compute nodes read it: Host as Full, Default left out", async () => {
    await withHarness({}, async (h) => {
      const node = await h.node('n-1', { bid: { action: 'ignore' } });
      const { job: hosted } = await place(h.store, 'n-1', {
        network: { Type: 'Host', Ports: [{ Name: 'web' }] },
      });
      const { job: unset } = await place(h.store, 'n-1');
      const { job: none } = await place(h.store, 'n-1', { network: { Type: 'None' } });
      const sent = await node.received.waitFor(3);
      const networks = sent.map((m) =>
        m.type === 'AskForBid' ? m.payload.Execution.Job?.Tasks[0]?.Network : 'other',
      );
      expect(networks).toMatchObject([
        { Type: 'Full', Ports: [{ Name: 'web' }] },
        undefined,
        { Type: 'None' },
      ]);
      expect(networks[1]).toBeUndefined();
      // the stored specs keep their names
      for (const job of [hosted, unset, none]) {
        expect((await h.store.getJob(job.ID)).Tasks[0]?.Network).toEqual(job.Tasks[0]?.Network);
      }
      expect(hosted.Tasks[0]?.Network?.Type).toBe('Host');
      expect(unset.Tasks[0]?.Network?.Type).toBe('Default');
    });
  });

  it('runs the batch protocol: bid, BidAccepted, RunResult, and no cancel echoed after completion', async () => {
    await withHarness({}, async (h) => {
      const node = await h.node('n-1', {
        run: {
          action: 'complete',
          result: { Stdout: 'hello\n' },
          publishResult: { Type: 'local', Params: { URL: 'file:///r' } },
        },
      });
      const { job, execution } = await place(h.store, 'n-1');
      await vi.waitFor(async () => expect(await computeState(h, execution.ID)).toBe('AskForBidAccepted'));
      const [bidEval] = await execUpdates(h.store, job.ID);
      expect(bidEval).toMatchObject({
        JobID: job.ID,
        Type: 'batch',
        Status: 'pending',
        Namespace: 'default',
      });
      expect(bidEval?.ID).toMatch(uuid);

      await approve(h.store, execution.ID);
      await vi.waitFor(async () => expect(await computeState(h, execution.ID)).toBe('Completed'));
      const done = await h.store.getExecution(execution.ID);
      expect(done.DesiredState).toEqual({ StateType: 'Stopped', Message: 'execution completed' });
      expect(done.RunOutput?.Stdout).toBe('hello\n');
      expect(done.RunOutput?.ExitCode).toBe(0);
      expect(done.PublishedResult).toEqual({ Type: 'local', Params: { URL: 'file:///r' } });
      expect(await execUpdates(h.store, job.ID)).toHaveLength(2);

      await h.dispatcher?.idle();
      await settle();
      expect(node.received.items.map((m) => m.type)).toEqual(['AskForBid', 'BidAccepted']);
      const accepted = node.received.items[1];
      expect(accepted?.type === 'BidAccepted' && accepted.payload).toMatchObject({
        ExecutionID: execution.ID,
        Accepted: true,
        Events: [{ Message: 'approved', Topic: 'Scheduling' }],
      });
      const history = await h.store.getJobHistory(job.ID, { excludeJobLevel: true });
      expect(history.items.map((e) => e.Event.Message)).toContain('Completed successfully');
      expect(h.errors).toEqual([]);
    });
  });

  it('sends BidRejected when a pending execution with a bid is stopped', async () => {
    await withHarness({}, async (h) => {
      const node = await h.node('n-1');
      const { execution } = await place(h.store, 'n-1');
      await vi.waitFor(async () => expect(await computeState(h, execution.ID)).toBe('AskForBidAccepted'));
      await stop(h.store, execution.ID, 'BidRejected');
      const messages = await node.received.waitFor(2);
      expect(messages[1]).toMatchObject({ type: 'BidRejected', payload: { ExecutionID: execution.ID } });
      await vi.waitFor(() => expect(node.executionState(execution.ID)).toBe('BidRejected'));
    });
  });

  it('sends CancelExecution when a running execution is stopped', async () => {
    await withHarness({}, async (h) => {
      const node = await h.node('n-1', { run: { action: 'hang' } });
      const { execution } = await place(h.store, 'n-1');
      await vi.waitFor(async () => expect(await computeState(h, execution.ID)).toBe('AskForBidAccepted'));
      await approve(h.store, execution.ID);
      await vi.waitFor(() => expect(node.executionState(execution.ID)).toBe('Running'));
      await stop(h.store, execution.ID, 'Cancelled');
      const messages = await node.received.waitFor(3);
      expect(messages.map((m) => m.type)).toEqual(['AskForBid', 'BidAccepted', 'CancelExecution']);
      await vi.waitFor(() => expect(node.executionState(execution.ID)).toBe('Cancelled'));
    });
  });

  it('cancels again what a returning node may have missed: executions stopped here since a time', async () => {
    await withHarness({}, async (h) => {
      const node = await h.node('n-1');
      const job = await h.store.createJob(makeJob({ Type: 'daemon', Count: 0 }));
      const stopped = (compute: ExecutionStateType, message = 'node has disappeared') =>
        h.store.createExecution(
          makeExecution(job, {
            NodeID: 'n-1',
            DesiredState: { StateType: 'Stopped', Message: message },
            ComputeState: { StateType: compute },
          }),
        );
      await stopped('Cancelled'); // before the node went away: it heard of it then
      h.clock.advance(10_000);
      const since = h.clock.now();
      const lost = await stopped('Failed');
      await stopped('Completed', 'execution completed'); // the node's own report
      await stopped('AskForBidRejected', 'bid rejected');
      await h.store.createExecution(
        makeExecution(job, {
          NodeID: 'n-2',
          DesiredState: { StateType: 'Stopped' },
          ComputeState: { StateType: 'Failed' },
        }),
      );

      expect(await h.dispatcher?.cancelMissed('n-1', since)).toBe(1);
      const [message] = await node.received.waitFor(1);
      expect(message).toMatchObject({
        type: 'CancelExecution',
        payload: { ExecutionID: lost.ID, Events: [{ Message: 'node has disappeared', Topic: 'Execution' }] },
      });
    });
  });

  it('sends AskForBid for a direct run (daemon, ops) and takes its result', async () => {
    await withHarness({}, async (h) => {
      const node = await h.node('n-1');
      const { job, execution } = await place(h.store, 'n-1', { type: 'ops', desired: 'Running' });
      await vi.waitFor(async () => expect(await computeState(h, execution.ID)).toBe('Completed'));
      expect(node.received.items.map((m) => m.type)).toEqual(['AskForBid']);
      expect(await execUpdates(h.store, job.ID)).toHaveLength(1);
      expect((await execUpdates(h.store, job.ID))[0]?.Type).toBe('ops');
    });
  });

  it('queues messages for a node that is away and delivers them when it is back', async () => {
    await withHarness({}, async (h) => {
      const node = await h.node('n-1', { bid: { action: 'ignore' } });
      await node.crash();
      const { execution } = await place(h.store, 'n-1');
      await h.dispatcher?.idle();
      await settle();
      expect(node.received.items).toEqual([]);
      await node.recover();
      const [message] = await node.received.waitFor(1);
      expect(message?.type === 'AskForBid' && message.payload.Execution.ID).toBe(execution.ID);
    });
  });
});

describe('Dispatcher: reconcile after a restart', () => {
  it("re-sends each in-progress execution's message", async () => {
    await withHarness({ dispatcher: false }, async (h) => {
      // Written while no dispatcher ran: as if the orchestrator died before delivering them.
      const asked = await place(h.store, 'n-1');
      const approved = await place(h.store, 'n-1');
      await h.store.updateExecution({
        executionID: approved.execution.ID,
        newValues: { ComputeState: { StateType: 'AskForBidAccepted' } },
      });
      await approve(h.store, approved.execution.ID);
      const done = await place(h.store, 'n-1');
      await stop(h.store, done.execution.ID, 'Cancelled');

      const node = await h.node('n-1', { bid: { action: 'ignore' } });
      const dispatcher = await Dispatcher.create({ store: h.store, transport: h.hub.orchestrator });
      try {
        expect(await dispatcher.reconcile()).toBe(2);
        const received = await node.received.waitFor(2);
        const idOf = (m: (typeof received)[number]): string =>
          m.type === 'AskForBid' ? m.payload.Execution.ID : m.payload.ExecutionID;
        expect(received.map((m) => `${m.type} ${idOf(m)}`).sort()).toEqual(
          [`AskForBid ${asked.execution.ID}`, `BidAccepted ${approved.execution.ID}`].sort(),
        );
      } finally {
        await dispatcher.stop();
      }
    });
  });
});

describe('Dispatcher: compute node → store', () => {
  it('records a refused bid: AskForBidRejected, desired Stopped "bid rejected", and sends nothing back', async () => {
    await withHarness({}, async (h) => {
      const node = await h.node('n-1', { bid: { action: 'reject', reason: 'not enough memory' } });
      const { job, execution } = await place(h.store, 'n-1');
      await vi.waitFor(async () => expect(await computeState(h, execution.ID)).toBe('AskForBidRejected'));
      const stored = await h.store.getExecution(execution.ID);
      expect(stored.ComputeState).toEqual({ StateType: 'AskForBidRejected', Message: 'not enough memory' });
      expect(stored.DesiredState).toEqual({ StateType: 'Stopped', Message: 'bid rejected' });
      const history = await h.store.getJobHistory(job.ID, { excludeJobLevel: true });
      expect(history.items.at(-1)?.Event).toMatchObject({
        Message: 'not enough memory',
        Topic: 'Exec Scanning',
      });
      expect(await execUpdates(h.store, job.ID)).toHaveLength(1);
      await h.dispatcher?.idle();
      await settle();
      expect(node.received.items.map((m) => m.type)).toEqual(['AskForBid']);
    });
  });

  it('fails a long-running execution that reports a result ("execution completed unexpectedly")', async () => {
    await withHarness({}, async (h) => {
      await h.node('n-1');
      const { job, execution } = await place(h.store, 'n-1', { type: 'daemon', desired: 'Running' });
      await vi.waitFor(async () => expect(await computeState(h, execution.ID)).toBe('Failed'));
      const stored = await h.store.getExecution(execution.ID);
      expect(stored.ComputeState).toEqual({
        StateType: 'Failed',
        Message: 'execution completed unexpectedly',
      });
      expect(stored.DesiredState).toEqual({
        StateType: 'Stopped',
        Message: 'execution completed unexpectedly',
      });
      expect((await execUpdates(h.store, job.ID))[0]?.Type).toBe('daemon');
    });
  });

  it('records a ComputeError: Failed with the error message, history event with the error details', async () => {
    await withHarness({}, async (h) => {
      const error = new BacalhauError('container exited: out of memory', {
        code: ErrorCode.ResourceExhausted,
        component: 'Executor',
        hint: 'Increase the memory limit',
        failsExecution: true,
      });
      await h.node('n-1', { run: { action: 'fail', error } });
      const { job, execution } = await place(h.store, 'n-1', { type: 'service' });
      await vi.waitFor(async () => expect(await computeState(h, execution.ID)).toBe('AskForBidAccepted'));
      await approve(h.store, execution.ID);
      await vi.waitFor(async () => expect(await computeState(h, execution.ID)).toBe('Failed'));
      const stored = await h.store.getExecution(execution.ID);
      expect(stored.ComputeState).toEqual({
        StateType: 'Failed',
        Message: 'container exited: out of memory',
      });
      expect(stored.DesiredState).toEqual({ StateType: 'Stopped', Message: 'execution failed' });
      const history = await h.store.getJobHistory(job.ID, { excludeJobLevel: true });
      expect(history.items.at(-1)?.Event).toMatchObject({
        Message: 'container exited: out of memory',
        Topic: 'Execution',
        Details: {
          IsError: 'true',
          Hint: 'Increase the memory limit',
          FailsExecution: 'true',
          ErrorCode: 'Executor:ResourceExhausted',
        },
      });
      expect(await execUpdates(h.store, job.ID)).toHaveLength(2);
    });
  });

  it('stores the events of a report in time order, though the error comes first on the wire', async () => {
    await withHarness({}, async (h) => {
      const { job, execution } = await place(h.store, 'n-1', { type: 'batch', desired: 'Running' });
      const note = {
        Message: 'Network.Type Default: no bridge',
        Topic: 'Execution',
        Timestamp: '2026-01-01T00:00:01Z',
      };
      const report = computeError(execution, new Error('Execution timed out after 3s'), {
        now: new Date('2026-01-01T00:00:04Z'),
        events: [note],
      });
      expect(report.payload.Events[0]?.Message).toBe('Execution timed out after 3s'); // Go reads the first
      expect(await h.dispatcher?.handle('n-1', sequenced(report))).toMatchObject({ status: 'applied' });
      const history = await h.store.getJobHistory(job.ID, { excludeJobLevel: true });
      expect(history.items.map((item) => item.Event.Message)).toEqual([
        'Requested execution on n-1',
        'Network.Type Default: no bridge',
        'Execution timed out after 3s',
      ]);
    });
  });

  it('ignores a replayed message for an execution already terminal', async () => {
    await withHarness({}, async (h) => {
      const node = await h.node('n-1');
      const { job, execution } = await place(h.store, 'n-1', { type: 'ops', desired: 'Running' });
      await vi.waitFor(async () => expect(await computeState(h, execution.ID)).toBe('Completed'));
      const sent = node.sent.items.at(-1);
      expect(sent?.type).toBe('RunResult');
      const before = await h.store.getExecution(execution.ID);
      const replay = await h.dispatcher?.handle('n-1', sequenced(sent as Outgoing<ComputeMessage>));
      expect(replay).toEqual({
        status: 'ignored',
        reason: `execution ${execution.ID} is already in terminal state Completed`,
      });
      const failure = await h.dispatcher?.handle(
        'n-1',
        sequenced(computeError(execution, new Error('late'))),
      );
      expect(failure?.status).toBe('ignored');
      expect((await h.store.getExecution(execution.ID)).Revision).toBe(before.Revision);
      expect(await execUpdates(h.store, job.ID)).toHaveLength(1);
    });
  });

  it("stores a report as a background write: a request's write of the same turn commits first", async () => {
    await withHarness({ dispatcher: true }, async (h) => {
      await h.node('n-1', { bid: { action: 'ignore' } });
      const { execution } = await place(h.store, 'n-1');
      const d = h.dispatcher;
      if (d === undefined) throw new Error('no dispatcher');
      const order: string[] = [];
      h.store.onChange((changes) => order.push(...changes.map((c) => c.type)));

      await Promise.all([
        d.handle('n-1', sequenced(bidResult(execution, true))),
        h.store.createJob(makeJob()),
      ]);

      expect(order.filter((type) => type === 'JobCreated' || type === 'ExecutionUpdated')).toEqual([
        'JobCreated',
        'ExecutionUpdated',
      ]);
    });
  });

  it('ignores stale or foreign reports', async () => {
    await withHarness({ dispatcher: true }, async (h) => {
      const ignoredReasons: string[] = [];
      await h.node('n-1', { bid: { action: 'ignore' } });
      const { job, execution } = await place(h.store, 'n-1');
      const d = h.dispatcher;
      if (d === undefined) throw new Error('no dispatcher');

      // A RunResult before the bid was approved.
      const early = await d.handle('n-1', sequenced(runResult(execution, {})));
      ignoredReasons.push(early.status === 'ignored' ? early.reason : 'applied');
      // A report from another node.
      const foreign = await d.handle('n-2', sequenced(bidResult(execution, true)));
      ignoredReasons.push(foreign.status === 'ignored' ? foreign.reason : 'applied');
      // An unknown execution.
      const unknown = await d.handle('n-1', sequenced(bidResult({ ...execution, ID: 'e-unknown' }, true)));
      ignoredReasons.push(unknown.status === 'ignored' ? unknown.reason : 'applied');
      expect(ignoredReasons).toEqual([
        `execution ${execution.ID} has desired state Pending, not Running`,
        `execution ${execution.ID} runs on node n-1, not n-2`,
        'execution e-unknown not found',
      ]);

      // The bid, then its replay after approval.
      const bid = await d.handle(
        'n-1',
        sequenced(bidResult(execution, true, [newEvent('Exec Scanning', 'ok')])),
      );
      expect(bid.status).toBe('applied');
      expect(bid.status === 'applied' && bid.execution.ComputeState).toEqual({
        StateType: 'AskForBidAccepted',
        Message: 'ok',
      });
      await approve(h.store, execution.ID);
      const replay = await d.handle('n-1', sequenced(bidResult(execution, true)));
      expect(replay).toEqual({
        status: 'ignored',
        reason: `execution ${execution.ID} is in state BidAccepted: its bid was already answered`,
      });
      expect(await computeState(h, execution.ID)).toBe('BidAccepted');
      expect(await execUpdates(h.store, job.ID)).toHaveLength(1);
    });
  });

  it('ignores a result for an execution the orchestrator already failed (node lost)', async () => {
    await withHarness({}, async (h) => {
      const node = await h.node('n-1', { run: { action: 'hang' } });
      const { job, execution } = await place(h.store, 'n-1', { type: 'ops', desired: 'Running' });
      await vi.waitFor(() => expect(node.executionState(execution.ID)).toBe('Running'));
      await stop(h.store, execution.ID, 'Failed');
      const late = await h.dispatcher?.handle(
        'n-1',
        sequenced(runResult(execution, { RunCommandResult: undefined })),
      );
      expect(late?.status).toBe('ignored');
      expect(await computeState(h, execution.ID)).toBe('Failed');
      expect(await execUpdates(h.store, job.ID)).toHaveLength(0);
    });
  });

  it('waits out a store that cannot write (a full disk) rather than drop a report, reporting it once', async () => {
    await withHarness({}, async (h) => {
      fillDisk(h, 3);
      await h.node('n-1');
      const { execution } = await place(h.store, 'n-1');
      await vi.waitFor(() => expect(h.errors).toHaveLength(1));
      expect(await computeState(h, execution.ID)).toBe('New');
      await h.clock.advanceAsync(100 + 200 + 400);
      await vi.waitFor(async () => expect(await computeState(h, execution.ID)).toBe('AskForBidAccepted'));
      expect((h.errors[0] as Error).message).toBe(
        `cannot store BidResult of execution ${execution.ID} yet, trying again until the store can write: ` +
          'job store write failed: database or disk is full',
      );
      expect(h.errors).toHaveLength(1);
    });
  });

  it('leaves a report it could not store when it stops meanwhile for the node to send again', async () => {
    await withHarness({}, async (h) => {
      fillDisk(h, Infinity);
      const node = await h.node('n-1');
      const { execution } = await place(h.store, 'n-1');
      await vi.waitFor(() => expect(h.errors).toHaveLength(1));
      await h.dispatcher?.stop();
      // not counted as processed, and the node must handshake again, as after a network split
      expect(h.hub.orchestrator.sequenceState('n-1')?.lastComputeSeqNum).toBe(0);
      expect(node.transport.state).toBe('disconnected');
      expect(h.errors).toHaveLength(1);

      // the next orchestrator (here: dispatcher) on a store that writes again gets the report
      vi.restoreAllMocks();
      const next = await Dispatcher.create({ store: h.store, transport: h.hub.orchestrator });
      try {
        await node.connect();
        await vi.waitFor(async () => expect(await computeState(h, execution.ID)).toBe('AskForBidAccepted'));
        expect(h.hub.orchestrator.sequenceState('n-1')?.lastComputeSeqNum).toBe(1);
      } finally {
        await next.stop();
      }
    });
  });

  it('stops idempotently: no more dispatching, handle refuses', async () => {
    await withHarness({}, async (h) => {
      const node = await h.node('n-1');
      const d = h.dispatcher;
      if (d === undefined) throw new Error('no dispatcher');
      await Promise.all([d.stop(), d.stop()]);
      expect(d.state).toBe('stopped');
      const { execution } = await place(h.store, 'n-1');
      await settle();
      expect(node.received.items).toEqual([]);
      await expect(d.handle('n-1', sequenced(bidResult(execution, true)))).rejects.toMatchObject({
        code: 'ServiceUnavailable',
      });
    });
  });
});
