/**
 * The real compute node (src/compute) against the real orchestrator over the in-memory transport, with
 * the noop executor: bidding, queueing, running, failing, cancelling and restarting end to end.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock, type Clock } from '../lib/clock.js';
import {
  BacalhauError,
  ErrorCode,
  parseCpu,
  zeroResources,
  type Execution,
  type Resources,
} from '../models/index.js';
import { EngineRegistry } from '../compute/engines.js';
import { hostEnvResolver } from '../compute/env.js';
import { ComputeNode, type BidDecider } from '../compute/node.js';
import { messageForUpsert } from '../compute/outbox.js';
import { ExecutionPaths } from '../compute/paths.js';
import { PortAllocator } from '../compute/ports/allocator.js';
import { ExecutionRunner } from '../compute/runner.js';
import { SqliteExecutionStore } from '../compute/store/sqlite-store.js';
import { NoopExecutor, type NoopExecutorHooks } from '../executor/noop/executor.js';
import type { Executor, RunCommandRequest } from '../executor/types.js';
import { InlineStorage, StorageRegistry } from '../storage/index.js';
import { NodeShutDownFailEvent } from '../transport/messages.js';
import { testExecution, testJob } from '../transport/testing/index.js';
import { jobSpec, TestCluster } from './testing.js';

const GiB = 2 ** 30;

/** Accepts what fits `capacity`, with the job's own resources as usage (the real bidder has its own tests). */
function fitBidder(capacity: Resources): BidDecider {
  return {
    bid({ job }) {
      const cpu = parseCpu(String(job.Tasks[0]?.Resources?.CPU ?? '0.1'));
      const usage = { CPU: cpu, Memory: 0, Disk: 0, GPU: 0 };
      const fits = cpu <= capacity.CPU;
      return Promise.resolve({
        shouldBid: fits,
        reason: fits ? '' : `rejected bid: insufficient resources`,
        usage,
      });
    },
  };
}

interface NodeHarness {
  node: ComputeNode;
  errors: unknown[];
}

describe('compute node with the orchestrator', () => {
  let cluster: TestCluster;
  let dir: string;
  const started: ComputeNode[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-compute-'));
    cluster = await TestCluster.create({ clock: 'system' });
  });

  afterEach(async () => {
    for (const node of started.splice(0)) await node.stop();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function startNode(
    options: {
      id?: string;
      hooks?: NoopExecutorHooks;
      cpu?: number;
      storePath?: string;
      bidder?: BidDecider;
      noop?: NoopExecutor;
      /** Engines besides `noop`. */
      engines?: Record<string, Executor>;
      clock?: Clock;
      paths?: ExecutionPaths;
    } = {},
  ): Promise<NodeHarness> {
    const errors: unknown[] = [];
    const capacity = { CPU: options.cpu ?? 4, Memory: 8 * GiB, Disk: 100 * GiB, GPU: 0 };
    const store = SqliteExecutionStore.open({
      path: options.storePath ?? ':memory:',
      outbox: messageForUpsert,
    });
    const engines = new EngineRegistry({
      noop: options.noop ?? new NoopExecutor(options.hooks === undefined ? {} : { hooks: options.hooks }),
      ...options.engines,
    });
    const storages = new StorageRegistry({ inline: new InlineStorage() });
    const paths = options.paths ?? new ExecutionPaths(join(dir, options.id ?? 'n-compute', 'executions'));
    const nodeID = options.id ?? 'n-compute';
    const node = await ComputeNode.create({
      nodeID,
      transport: await cluster.hub.createComputeTransport({
        nodeId: nodeID,
        startTime: new Date(),
        instanceID: `instance-${nodeID}`,
      }),
      store,
      engines,
      runner: new ExecutionRunner({
        store,
        engines,
        storages,
        publisher: { publish: () => Promise.resolve({ Type: 'noop', Params: {} }) },
        paths,
        env: hostEnvResolver([]),
        ports: new PortAllocator({ rangeStart: 20000, rangeEnd: 32000 }),
        clock: options.clock ?? systemClock,
        retainOutputMs: 60_000,
        onError: (error) => errors.push(error),
      }),
      bidder: options.bidder ?? fitBidder(capacity),
      publisherTypes: () => Promise.resolve(['noop']),
      storageTypes: async () => storages.installedTypes(),
      maxCapacity: capacity,
      maxJobRequirements: capacity,
      labels: {},
      clock: options.clock ?? systemClock,
      heartbeatIntervalMs: 15_000,
      infoUpdateIntervalMs: 60_000,
      onError: (error) => errors.push(error),
    });
    started.push(node);
    return { node, errors };
  }

  /** The ID of the job's first execution, once there is one. */
  async function firstExecutionID(jobID: string): Promise<string> {
    const [execution] = await cluster.waitFor(async () => {
      const all = await executions(jobID);
      return all.length > 0 ? all : undefined;
    }, 'an execution');
    return execution?.ID ?? '';
  }

  /** A noop executor that starts an execution `delayMs` after being asked, then prints `late`. */
  function slowStartNoop(delayMs: number): NoopExecutor {
    class SlowStart extends NoopExecutor {
      override async start(request: RunCommandRequest): Promise<void> {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return super.start(request);
      }
    }
    return new SlowStart({ hooks: { jobHandler: (context) => context.stdout('late\n') } });
  }

  function noopJob(overrides: Record<string, unknown> = {}, task: Record<string, unknown> = {}) {
    return jobSpec('batch', {
      Tasks: [{ Name: 'main', Engine: { Type: 'noop' }, Publisher: { Type: 'noop' }, ...task }],
      ...overrides,
    });
  }

  async function executions(jobID: string): Promise<Execution[]> {
    return cluster.orchestrator.jobs.listExecutions({ jobID });
  }

  it('runs a batch job to Completed and reports its output and published result', async () => {
    const { node, errors } = await startNode({
      hooks: {
        jobHandler: async (context) => {
          await context.stdout(`hello from ${context.request.env.BACALHAU_JOB_ID}\n`);
          return { exitCode: 3 };
        },
      },
    });
    const { JobID } = await cluster.submit(noopJob());
    await cluster.waitForJobState(JobID, 'Completed');
    const [execution] = await executions(JobID);
    expect(execution?.ComputeState.StateType).toBe('Completed');
    // A non-zero exit code is a result, not a failure (Bacalhau's rule).
    expect(execution?.RunOutput).toMatchObject({
      Stdout: `hello from ${JobID}\n`,
      ExitCode: 3,
      ErrorMsg: '',
    });
    expect(execution?.PublishedResult?.Type).toBe('noop');
    expect(node.store.get(execution?.ID ?? '').ComputeState.StateType).toBe('Completed');
    expect(node.store.pendingOutbox()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('refuses a job its bidder rejects, with the reason in the job history', async () => {
    const rejecting: BidDecider = {
      bid: () =>
        Promise.resolve({ shouldBid: false, reason: 'rejected bid: not today', usage: zeroResources() }),
    };
    const { node } = await startNode({ bidder: rejecting });
    const { JobID } = await cluster.submit(noopJob());
    await cluster.waitFor(
      async () =>
        (await executions(JobID))[0]?.ComputeState.StateType === 'AskForBidRejected' ? true : undefined,
      'the bid to be rejected',
    );
    const history = await cluster.orchestrator.jobs.getJobHistory(JobID, {});
    expect(history.items.map((h) => h.Event.Message).join('\n')).toMatch(/rejected bid: not today/);
    expect(node.store.count('AskForBidRejected')).toBe(1);
    // it never ran: nothing was written, and nothing expired
    const [execution] = await executions(JobID);
    const lines = node.streamLogs(
      { ExecutionID: execution?.ID ?? '', Tail: false, Follow: false },
      { signal: AbortSignal.timeout(10_000) },
    );
    await expect(lines[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      message: `execution ${execution?.ID} has no logs: it ended (AskForBidRejected: rejected bid: not today) before its task started`,
      hint: `its history says what happened: bacalhau job history ${JobID}`,
    });
  });

  it('fails an execution whose task errors, with the error in the job history', async () => {
    await startNode({
      hooks: {
        jobHandler: () => Promise.reject(new Error('the task fell over')),
      },
    });
    const { JobID } = await cluster.submit(noopJob());
    await cluster.waitForJobState(JobID, 'Failed');
    const [execution] = await executions(JobID);
    expect(execution?.ComputeState.StateType).toBe('Failed');
    const history = await cluster.orchestrator.jobs.getJobHistory(JobID, {});
    expect(history.items.map((h) => h.Event.Message).join('\n')).toMatch(/the task fell over/);
  });

  it('stops a running execution when the job is stopped', async () => {
    let started = false;
    let aborted = false;
    const { node } = await startNode({
      hooks: {
        jobHandler: ({ signal }) =>
          new Promise((resolve) => {
            started = true;
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve({});
            });
          }),
      },
    });
    const { JobID } = await cluster.submit(noopJob());
    await expect.poll(() => started).toBe(true);
    await cluster.orchestrator.endpoint.stopJob({ jobID: JobID, reason: 'enough' });
    await cluster.waitForJobState(JobID, 'Stopped');
    await expect.poll(() => aborted).toBe(true);
    await expect.poll(() => node.runningExecutions).toBe(0);
  });

  it('counts what it runs in its heartbeats, so the orchestrator shows current figures', async () => {
    const clock = new ManualClock(Date.now());
    let finish = (): void => undefined;
    await startNode({
      clock,
      hooks: { jobHandler: () => new Promise((resolve) => (finish = () => resolve({}))) },
    });
    const running = async (): Promise<number> =>
      (await cluster.orchestrator.nodes.get('n-compute')).Info.ComputeNodeInfo.RunningExecutions;
    const { JobID } = await cluster.submit(noopJob());
    await cluster.waitForJobState(JobID, 'Running');
    expect(await running()).toBe(0); // as the handshake said
    await clock.advanceAsync(15_000);
    await expect.poll(running).toBe(1);
    finish();
    await cluster.waitForJobState(JobID, 'Completed');
    await clock.advanceAsync(15_000);
    await expect.poll(running).toBe(0);
  });

  it('stops checking a bid when the job is stopped: a slow input server is not waited for', async () => {
    let bidding = false;
    let aborted = false;
    await startNode({
      bidder: {
        bid: (_request, options?: { signal?: AbortSignal }) =>
          new Promise((_resolve, reject) => {
            bidding = true;
            options?.signal?.addEventListener('abort', () => {
              aborted = true;
              reject(new Error('aborted'));
            });
          }),
      },
    });
    const { JobID } = await cluster.submit(noopJob());
    await expect.poll(() => bidding).toBe(true);
    await cluster.orchestrator.endpoint.stopJob({ jobID: JobID, reason: 'enough' });
    await cluster.waitForJobState(JobID, 'Stopped');
    await expect.poll(() => aborted).toBe(true);
  });

  it('cancels its executions itself once an operator rejected it: no cancel can reach it any more', async () => {
    let aborted = false;
    const { node } = await startNode({
      id: 'n-unwanted',
      hooks: {
        jobHandler: ({ signal }) =>
          new Promise((resolve) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve({});
            }),
          ),
      },
    });
    await node.whenAccepted(); // what serves its ID to others (logs) waits for this
    const { JobID } = await cluster.submit(noopJob({ Type: 'daemon', Count: 0 }));
    await expect.poll(() => node.runningExecutions).toBe(1);
    await cluster.orchestrator.nodes.rejectNode('n-unwanted');
    // the rejection drops its connection; its next handshake is refused, and it stops its work
    await expect.poll(() => aborted, { timeout: 10_000 }).toBe(true);
    await expect.poll(() => node.runningExecutions).toBe(0);
    const [execution] = node.store.byState(['Cancelled']);
    expect(execution?.ComputeState.Message).toBe('cancelled: the orchestrator rejected this node');
    expect(execution?.JobID).toBe(JobID);
  });

  it('tells the orchestrator at once that a finished job freed its capacity', async () => {
    await startNode({ id: 'n-free', cpu: 1 });
    const { JobID } = await cluster.submit(noopJob({}, { Resources: { CPU: '1' } }));
    await cluster.waitForJobState(JobID, 'Completed');
    // heartbeats are 15 s apart here: only the one sent when the run freed its CPU can say so
    await expect
      .poll(
        async () =>
          (await cluster.orchestrator.nodes.get('n-free')).Info.ComputeNodeInfo.AvailableCapacity.CPU,
        {
          timeout: 3000,
        },
      )
      .toBe(1);
  });

  it('queues executions beyond its capacity and runs them as capacity frees up', async () => {
    const releases: (() => void)[] = [];
    const { node } = await startNode({
      cpu: 1,
      hooks: { jobHandler: () => new Promise((resolve) => releases.push(() => resolve({}))) },
    });
    const first = await cluster.submit(noopJob({}, { Resources: { CPU: '1' } }));
    await expect.poll(() => releases.length).toBe(1);
    const second = await cluster.submit(noopJob({}, { Resources: { CPU: '1' } }));
    await expect.poll(() => node.queuedExecutions).toBe(1);
    expect(node.nodeInfo().ComputeNodeInfo.QueueCapacity.CPU).toBe(1);
    expect(node.nodeInfo().ComputeNodeInfo.AvailableCapacity.CPU).toBe(0);
    releases[0]?.();
    await cluster.waitForJobState(first.JobID, 'Completed');
    await expect.poll(() => releases.length).toBe(2);
    releases[1]?.();
    await cluster.waitForJobState(second.JobID, 'Completed');
  });

  it("gives GET /agent/debug Go's ActiveJobs (running executions) and jobsCompleted (a count)", async () => {
    const releases: (() => void)[] = [];
    const { node } = await startNode({
      hooks: { jobHandler: () => new Promise((resolve) => releases.push(() => resolve({}))) },
    });
    const debug = async () =>
      Object.fromEntries(
        (await Promise.all(node.debugInfoProviders.map(async (p) => p.getDebugInfo()))).map((d) => [
          d.Component,
          d.Info,
        ]),
      );
    expect(await debug()).toEqual({ ActiveJobs: [], jobsCompleted: 0 });

    const { JobID } = await cluster.submit(noopJob({}, { Resources: { CPU: '0.5' } }));
    await expect.poll(() => releases.length).toBe(1);
    const executionID = await firstExecutionID(JobID);
    await expect
      .poll(async () => (await debug())['ActiveJobs'])
      .toEqual([
        {
          ExecutionID: executionID,
          JobID,
          State: 'Running',
          // in wire form: zero amounts left out, as Go's omitempty does (this bidder allocates CPU only)
          AllocatedResources: { Tasks: { main: { CPU: 0.5 } } },
        },
      ]);

    releases[0]?.();
    await cluster.waitForJobState(JobID, 'Completed');
    await expect.poll(debug).toEqual({ ActiveJobs: [], jobsCompleted: 1 });
  });

  it('streams an execution log in write order, following it until the end', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { node } = await startNode({
      hooks: {
        jobHandler: async (context) => {
          await context.stdout('one\n');
          await context.stderr('two\n');
          await gate;
          await context.stdout('three\n');
        },
      },
    });
    const { JobID } = await cluster.submit(noopJob());
    const [execution] = await cluster.waitFor(async () => {
      const all = await executions(JobID);
      return all.length > 0 ? all : undefined;
    }, 'an execution');
    const lines: string[] = [];
    const reading = (async () => {
      const stream = node.streamLogs(
        { ExecutionID: execution?.ID ?? '', Tail: false, Follow: true },
        { signal: AbortSignal.timeout(10_000) },
      );
      for await (const line of stream) {
        lines.push(`${line.Type}:${line.Line}`);
        if (lines.length === 2) release();
      }
    })();
    await reading;
    expect(lines).toEqual(['1:one\n', '2:two\n', '1:three\n']);
    await cluster.waitForJobState(JobID, 'Completed');
  });

  it('ends a followed log with an error when the node stops before the execution ends', async () => {
    const { node } = await startNode({
      hooks: {
        jobHandler: async (context) => {
          await context.stdout('one\n');
          await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
        },
      },
    });
    const { JobID } = await cluster.submit(noopJob());
    const id = await firstExecutionID(JobID);
    const lines: string[] = [];
    const reading = (async () => {
      const stream = node.streamLogs(
        { ExecutionID: id, Tail: false, Follow: true },
        { signal: AbortSignal.timeout(10_000) },
      );
      for await (const line of stream) {
        lines.push(line.Line);
        void node.stop();
      }
    })();
    const error: unknown = await reading.catch((err: unknown) => err);
    expect(lines).toEqual(['one\n']);
    expect(error).toBeInstanceOf(BacalhauError);
    expect((error as BacalhauError).message).toBe(
      `the log stream of execution ${id} ended: its compute node is stopping`,
    );
    expect((error as BacalhauError).hint).toBe(
      `follow it again once the node is back: bacalhau job logs --follow ${JobID}`,
    );
  });

  it('lets the event loop turn while it replays a long log: other work and gone clients are seen', async () => {
    const { node } = await startNode({
      hooks: {
        jobHandler: async (context) => {
          for (let i = 0; i < 1000; i++) await context.stdout(`${i}\n`);
        },
      },
    });
    const { JobID } = await cluster.submit(noopJob());
    await cluster.waitForJobState(JobID, 'Completed');
    const lines: string[] = [];
    let linesBeforeTurn: number | undefined;
    for await (const line of node.streamLogs(
      { ExecutionID: await firstExecutionID(JobID), Tail: false, Follow: false },
      { signal: AbortSignal.timeout(10_000) },
    )) {
      // the whole log is one read of the file: its lines come in promise callbacks alone
      if (lines.length === 0) setImmediate(() => (linesBeforeTurn = lines.length));
      lines.push(line.Line);
    }
    expect(lines).toHaveLength(1000);
    expect(linesBeforeTurn).toBeLessThan(100);
  });

  it('follows the log of an execution marked Running before its executor has it', async () => {
    // the runner marks an execution Running, then prepares (network, ...) before the executor starts it
    const { node } = await startNode({ noop: slowStartNoop(300) });
    const id = await firstExecutionID((await cluster.submit(noopJob())).JobID);
    const lines: string[] = [];
    const stream = node.streamLogs(
      { ExecutionID: id, Tail: false, Follow: true },
      { signal: AbortSignal.timeout(10_000) },
    );
    for await (const line of stream) lines.push(`${line.Type}:${line.Line}`);
    expect(lines).toEqual(['1:late\n']);
  });

  it('answers a request without --follow at once when the executor has not started the execution yet', async () => {
    const { node } = await startNode({ noop: slowStartNoop(1000) });
    const id = await firstExecutionID((await cluster.submit(noopJob())).JobID);
    await expect.poll(() => node.store.find(id)?.ComputeState.StateType).toBe('Running');
    const lines: string[] = [];
    for await (const line of node.streamLogs(
      { ExecutionID: id, Tail: false, Follow: false },
      { signal: AbortSignal.timeout(500) },
    ))
      lines.push(line.Line);
    expect(lines).toEqual([]);
  });

  it('serves the log of an execution that ended before a restart, until its folders are removed', async () => {
    const storePath = join(dir, 'executions.db');
    const first = await startNode({
      id: 'n-logs',
      storePath,
      hooks: {
        jobHandler: async (context) => {
          await context.stdout('before\n');
          await context.stderr('the restart\n');
        },
      },
    });
    const { JobID } = await cluster.submit(noopJob());
    await cluster.waitForJobState(JobID, 'Completed');
    const [execution] = await executions(JobID);
    const executionID = execution?.ID ?? '';
    await first.node.stop();
    started.splice(started.indexOf(first.node), 1);

    // a new process: its executor never ran the execution
    let laterMs = 0; // how far ahead of the real time this process believes it is
    const clock: Clock = { ...systemClock, now: () => systemClock.now() + laterMs };
    const { node } = await startNode({ id: 'n-logs', storePath, clock });
    const read = async (request: { Tail?: boolean; Follow?: boolean } = {}): Promise<string[]> => {
      const lines: string[] = [];
      const stream = node.streamLogs(
        { ExecutionID: executionID, Tail: request.Tail ?? false, Follow: request.Follow ?? false },
        { signal: AbortSignal.timeout(10_000) },
      );
      for await (const line of stream) lines.push(`${line.Type}:${line.Line}`);
      return lines;
    };
    expect(await read()).toEqual(['1:before\n', '2:the restart\n']);
    expect(await read({ Follow: true })).toEqual(['1:before\n', '2:the restart\n']);
    expect(await read({ Tail: true })).toEqual([]);

    // the runner removes the folders once they were kept long enough (60 s here)
    laterMs = 61_000;
    await rm(join(dir, 'n-logs', 'executions', 'output', executionID), { recursive: true });
    await expect(read()).rejects.toMatchObject({
      code: ErrorCode.ExecutionNotFound,
      message: `the logs of execution ${executionID} are no longer kept on this node`,
    });
  });

  it("removes a previous process's leftovers of an execution cancelled before it re-attached", async () => {
    /** A noop engine that, like Docker, can find work of other processes: it records what is known. */
    class CollectingNoop extends NoopExecutor {
      readonly calls: ((executionID: string) => boolean)[] = [];
      removeOrphans(isKnown: (executionID: string) => boolean): Promise<void> {
        this.calls.push(isKnown);
        return Promise.resolve();
      }
    }
    const noop = new CollectingNoop({
      hooks: {
        jobHandler: ({ signal }) =>
          new Promise((resolve) => signal.addEventListener('abort', () => resolve({}))),
      },
    });
    // a previous process ran two service executions; this one has room for only one of them, so the
    // other waits in the queue, its old container (in Docker's case) still running
    const storePath = join(dir, 'previous.db');
    const previous = SqliteExecutionStore.open({ path: storePath, outbox: messageForUpsert });
    const job = testJob({ Type: 'service', Tasks: [{ Name: 'main', Engine: { Type: 'noop' } }] });
    const running = (execution: Execution): Execution => {
      previous.create({
        ...execution,
        NodeID: 'n-compute',
        ComputeState: { StateType: 'BidAccepted', Message: '' },
      });
      previous.update({
        executionID: execution.ID,
        newValues: { ComputeState: { StateType: 'Running', Message: '' } },
      });
      return execution;
    };
    running(testExecution({ job, desired: 'Running', cpu: 0.5 }));
    const leftover = running(testExecution({ job, desired: 'Running', cpu: 0.5 }));
    previous.close();
    const { node } = await startNode({ noop, cpu: 0.5, storePath });
    await expect.poll(() => node.runningExecutions).toBe(1);
    const startup = noop.calls.length;
    node.store.update({
      executionID: leftover.ID,
      newValues: { ComputeState: { StateType: 'Cancelled', Message: 'stopped by the orchestrator' } },
    });
    await expect
      .poll(() => noop.calls.slice(startup).map((isKnown) => isKnown(leftover.ID)))
      .toEqual([false]);
  });

  it("takes work before it has looked through a previous process's execution folders", async () => {
    // a busy node keeps an hour of executions' folders: reading when each last changed takes seconds
    let listed = (): void => undefined;
    class SlowPaths extends ExecutionPaths {
      listing = 0;
      override async existing(): Promise<{ executionID: string; modifiedMs: number }[]> {
        this.listing += 1;
        await new Promise<void>((resolve) => (listed = resolve));
        return [{ executionID: 'e-of-a-previous-process', modifiedMs: 0 }];
      }
    }
    const paths = new SlowPaths(join(dir, 'n-slow-paths', 'executions'));
    const removed: string[] = [];
    paths.remove = (executionID) => {
      removed.push(executionID);
      return Promise.resolve();
    };
    await startNode({ id: 'n-slow-paths', paths });
    expect(paths.listing).toBe(1);
    const { JobID } = await cluster.submit(noopJob());
    await cluster.waitForJobState(JobID, 'Completed');
    expect(removed).toEqual([]);
    // once listed, the folders are removed when their time is up (long past for this one)
    listed();
    await expect.poll(() => removed).toEqual(['e-of-a-previous-process']);
  });

  it('starts and runs work when an engine cannot look for orphans: a missing one is not asked, a failure is reported', async () => {
    /** An engine like Docker, whose sweep for a previous process's containers fails (no daemon). */
    class UnreachableSweeper extends NoopExecutor {
      asked = 0;
      removeOrphans(): Promise<void> {
        this.asked += 1;
        return Promise.reject(new Error('connect ECONNREFUSED /var/run/docker.sock'));
      }
    }
    const missing = new UnreachableSweeper({ hooks: { isInstalled: () => false } });
    const failing = new UnreachableSweeper();
    const { errors } = await startNode({ engines: { missing, failing } });
    expect(missing.asked).toBe(0);
    expect(failing.asked).toBe(1);
    expect(errors).toEqual([new Error('connect ECONNREFUSED /var/run/docker.sock')]);
    const { JobID } = await cluster.submit(noopJob());
    await cluster.waitForJobState(JobID, 'Completed');
  });

  it('sends again after a restart a result the orchestrator had not received when the node stopped', async () => {
    const storePath = join(dir, 'executions.db');
    let finish = (): void => undefined;
    const first = await startNode({
      id: 'n-cut-off',
      storePath,
      hooks: { jobHandler: () => new Promise((resolve) => (finish = () => resolve({ exitCode: 7 }))) },
    });
    const { JobID } = await cluster.submit(noopJob());
    await expect.poll(() => first.node.runningExecutions).toBe(1);
    // the orchestrator out of reach while the execution ends: its result waits in the transport
    cluster.hub.partition('n-cut-off');
    finish();
    await expect.poll(() => first.node.runningExecutions).toBe(0);
    await first.node.stop();
    first.node.store.close(); // as `serve` does: what the store took as sent is written
    started.splice(started.indexOf(first.node), 1);
    cluster.hub.heal('n-cut-off');
    expect((await executions(JobID))[0]?.ComputeState.StateType).toBe('BidAccepted');

    const second = await startNode({ id: 'n-cut-off', storePath });
    await cluster.waitForJobState(JobID, 'Completed');
    const [execution] = await executions(JobID);
    expect(execution?.RunOutput?.ExitCode).toBe(7);
    await expect.poll(() => second.node.store.pendingOutbox()).toEqual([]);
  });

  it('reports as failed the work it has no record of when its execution store was lost, so it is placed again', async () => {
    const first = await startNode({
      id: 'n-amnesiac',
      storePath: join(dir, 'executions.db'),
      hooks: {
        jobHandler: ({ signal }) =>
          new Promise((resolve) => signal.addEventListener('abort', () => resolve({}))),
      },
    });
    const { JobID } = await cluster.submit(noopJob());
    await expect.poll(() => first.node.runningExecutions).toBe(1);
    await first.node.stop();
    started.splice(started.indexOf(first.node), 1);
    // Same node ID and execution folders, but a new execution store: the old one was moved away.
    await startNode({ id: 'n-amnesiac', storePath: join(dir, 'replacement.db') });
    const failed = await cluster.waitFor(async () => {
      const all = await executions(JobID);
      return all.find((e) => e.ComputeState.StateType === 'Failed');
    }, 'the forgotten execution to fail');
    expect(failed.ComputeState.Message).toBe(
      `node n-amnesiac has no record of execution ${failed.ID}: its execution store was lost or replaced while the execution was under way`,
    );
    await cluster.waitForJobState(JobID, 'Completed');
  });

  it('fails the batch work it was running when it restarts, and the orchestrator retries', async () => {
    const storePath = join(dir, 'executions.db');
    const waiting = {
      jobHandler: ({ signal }: { signal: AbortSignal }) =>
        new Promise<object>((resolve) => signal.addEventListener('abort', () => resolve({}))),
    };
    const first = await startNode({ id: 'n-restarting', storePath, hooks: waiting });
    const { JobID } = await cluster.submit(noopJob());
    await expect.poll(() => first.node.runningExecutions).toBe(1);
    // a download next to the execution's results and log, as the previous process may leave it
    const [running] = await executions(JobID);
    const folder = new ExecutionPaths(join(dir, 'n-restarting', 'executions')).dirs(running?.ID ?? '');
    await mkdir(join(folder.root, 'url-download'));
    await writeFile(join(folder.root, 'url-download', 'big.bin'), 'downloaded');
    await first.node.stop();
    started.splice(started.indexOf(first.node), 1);
    // Same node ID, same store: the previous process's execution is found and reported failed, as
    // stopped by the shutdown, which is not held against the node: the job runs there again, twice.
    for (let restart = 1; restart <= 2; restart++) {
      const again = await startNode({ id: 'n-restarting', storePath, hooks: waiting });
      await expect.poll(() => again.node.runningExecutions, { timeout: 5000 }).toBe(1);
      await again.node.stop();
      started.splice(started.indexOf(again.node), 1);
    }
    await startNode({ id: 'n-restarting', storePath });
    await cluster.waitForJobState(JobID, 'Completed');
    const all = await executions(JobID);
    expect(all.map((e) => [e.NodeID, e.ComputeState.StateType, e.ComputeState.Message]).sort()).toEqual([
      ['n-restarting', 'Completed', expect.any(String)],
      ...Array.from({ length: 3 }, () => ['n-restarting', 'Failed', NodeShutDownFailEvent]),
    ]);
    // its inputs go at once; its results and log stay for `job logs` and `job describe`
    await expect.poll(async () => (await readdir(folder.root)).sort()).toEqual(['logs', 'results']);
  });
});
