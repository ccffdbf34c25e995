/**
 * The orchestrator end to end, in one process: the real Orchestrator (SQLite file in a temp dir, the
 * scheduling service, node manager, dispatcher, housekeeping, job endpoint) with fake compute nodes
 * over the in-memory transport, on a ManualClock wherever time matters. Jobs go in through the job
 * endpoint, exactly as the HTTP API will submit them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Execution, JobStateType } from '../../src/models/index.js';
import { jobSpec, taskWith, TestCluster, type TestClusterOptions } from '../../src/node/testing.js';
import type { RecordingLogger } from '../../src/orchestrator/planner/testing.js';
import type { RunDecision } from '../../src/transport/testing/index.js';

let dir: string;
let cluster: TestCluster | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-orchestrator-'));
});

afterEach(async () => {
  try {
    if (cluster !== undefined) {
      await cluster.stop();
      expect(cluster.errors).toEqual([]);
      // The logging planner warns about failed jobs; nothing else may warn or fail.
      const logger = cluster.logger as RecordingLogger;
      expect(logger.messages('error')).toEqual([]);
      expect(logger.messages('warn').filter((m) => m !== 'Job failed')).toEqual([]);
    }
  } finally {
    cluster = undefined;
    await rm(dir, { recursive: true, force: true });
  }
});

async function start(options: TestClusterOptions = {}): Promise<TestCluster> {
  cluster = await TestCluster.create({ storePath: join(dir, 'orchestrator', 'state.db'), ...options });
  return cluster;
}

/** `<node> p<partition> v<version> <desired>/<compute>`, oldest first. */
async function executionsOf(c: TestCluster, jobID: string): Promise<string[]> {
  const executions = await c.orchestrator.jobs.listExecutions({ jobID, allJobVersions: true });
  return executions.map(
    (e) =>
      `${e.NodeID} p${e.PartitionIndex} v${e.JobVersion} ${e.DesiredState.StateType}/${e.ComputeState.StateType}`,
  );
}

async function executionList(c: TestCluster, jobID: string): Promise<Execution[]> {
  return c.orchestrator.jobs.listExecutions({ jobID, allJobVersions: true });
}

/** `[level, topic, message]` of every history entry, in SeqNum order. */
async function historyOf(c: TestCluster, jobID: string): Promise<string[][]> {
  const page = await c.orchestrator.jobs.getJobHistory(jobID, { allJobVersions: true });
  return page.items.map((h) => [h.Type, h.Event.Topic, h.Event.Message]);
}

async function stateOf(c: TestCluster, jobID: string): Promise<JobStateType> {
  return (await c.orchestrator.jobs.getJob(jobID)).State.StateType;
}

/** Resolves once the job has `count` executions matching `predicate`. */
function waitForExecutions(
  c: TestCluster,
  jobID: string,
  count: number,
  predicate: (e: Execution) => boolean,
  description: string,
): Promise<Execution[]> {
  return c.waitFor(
    async () => {
      const matching = (await executionList(c, jobID)).filter(predicate);
      return matching.length >= count ? matching : undefined;
    },
    `${count} execution(s) of ${jobID}: ${description}`,
    { describe: () => executionsOf(c, jobID) },
  );
}

const executing = (e: Execution): boolean =>
  e.DesiredState.StateType === 'Running' && e.ComputeState.StateType === 'BidAccepted';

/** The first execution handed to the policy gets `first`, every later one `rest` (shared by all nodes). */
function firstThen(first: RunDecision, rest: RunDecision): (e: Execution) => RunDecision {
  let used = false;
  return () => {
    if (used) return rest;
    used = true;
    return first;
  };
}

const minutes = (n: number): number => n * 60_000;
const seconds = (n: number): number => n * 1_000;

describe('orchestrator: batch jobs', () => {
  it('runs a batch job through bid, approval and run to Completed, with Bacalhau history', async () => {
    const c = await start({ nodes: ['n-1'] });
    const { JobID, EvaluationID, Warnings } = await c.submit(jobSpec('batch', { Name: 'hello' }));
    expect(EvaluationID).not.toBe('');
    expect(Warnings).toBeNull();

    const job = await c.waitForTerminal(JobID);
    expect(job.State).toEqual({ StateType: 'Completed', Message: '' });
    expect(job.Name).toBe('hello');
    expect(job.Meta['bacalhau.org/requester.id']).toBe(c.orchestrator.nodeID);

    const [execution] = await executionList(c, JobID);
    expect(await executionsOf(c, JobID)).toEqual(['n-1 p0 v1 Stopped/Completed']);
    expect(execution?.DesiredState.Message).toBe('execution completed');
    expect(execution?.RunOutput?.ExitCode).toBe(0);
    expect(execution?.PublishedResult).toEqual({ Type: 'noop' });

    expect(await historyOf(c, JobID)).toEqual([
      ['JobLevel', 'Submission', 'Job submitted'],
      ['ExecutionLevel', 'Scheduling', 'Requested execution on n-1'],
      ['JobLevel', 'State Update', 'Running'],
      ['ExecutionLevel', 'Execution', 'Running'],
      ['ExecutionLevel', 'Execution', 'Completed successfully'],
      ['JobLevel', 'State Update', 'Completed'],
    ]);
    const page = await c.orchestrator.jobs.getJobHistory(JobID, { allJobVersions: true });
    expect(page.items.map((h) => h.SeqNum)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(page.next).toBeUndefined(); // the job is terminal: the history cursor is complete

    // The node saw Bacalhau's protocol: AskForBid, then BidAccepted once its bid was approved.
    const node = c.node('n-1');
    expect(node.received.items.map((m) => m.type)).toEqual(['AskForBid', 'BidAccepted']);
    expect(node.sent.items.map((m) => m.type)).toEqual(['BidResult', 'RunResult']);
  });

  it('runs on the wall clock as well', async () => {
    const c = await start({ clock: 'system', nodes: ['n-1', 'n-2'] });
    const { JobID } = await c.submit(jobSpec('batch', { Count: 2 }));
    await c.waitForJobState(JobID, 'Completed');
    const executions = await executionList(c, JobID);
    expect(executions.map((e) => e.NodeID).sort()).toEqual(['n-1', 'n-2']);
    expect(executions.map((e) => e.PartitionIndex).sort()).toEqual([0, 1]);
    expect(executions.every((e) => e.ComputeState.StateType === 'Completed')).toBe(true);
  });

  it('places Count=3 on three distinct nodes, one partition each', async () => {
    const c = await start({ nodes: ['n-1', 'n-2', 'n-3'] });
    const { JobID } = await c.submit(jobSpec('batch', { Count: 3 }));
    await c.waitForJobState(JobID, 'Completed');

    const executions = await executionList(c, JobID);
    expect(executions).toHaveLength(3);
    expect(executions.map((e) => e.PartitionIndex).sort()).toEqual([0, 1, 2]);
    expect(new Set(executions.map((e) => e.NodeID))).toEqual(new Set(['n-1', 'n-2', 'n-3']));
    expect(executions.every((e) => e.ComputeState.StateType === 'Completed')).toBe(true);
    // Each node got the partition index of its execution.
    for (const e of executions) {
      const ask = c.node(e.NodeID).received.items.find((m) => m.type === 'AskForBid');
      expect(ask?.type === 'AskForBid' && ask.payload.Execution.PartitionIndex).toBe(e.PartitionIndex);
    }
  });

  it('spreads a burst of jobs over the nodes by what it placed since their last heartbeats', async () => {
    // four idle one-CPU nodes; every job runs until cancelled
    const c = await start();
    const nodes = ['n-1', 'n-2', 'n-3', 'n-4'];
    for (const id of nodes) {
      await c.addNode(id, { nodeInfo: { capacity: { CPU: 1 } }, run: { action: 'hang' } });
    }
    // twelve half-CPU jobs at once: all ranked before any node reports being busier
    const halfCpu = (i: number) =>
      jobSpec('batch', { Name: `burst-${i}`, Tasks: [taskWith({ Resources: { CPU: '500m' } })] });
    const jobs = await Promise.all(Array.from({ length: 12 }, (_, i) => c.submit(halfCpu(i))));
    for (const { JobID } of jobs) await c.waitForJobState(JobID, 'Running');

    const placed: Record<string, number> = {};
    for (const { JobID } of jobs) {
      for (const e of await executionList(c, JobID)) placed[e.NodeID] = (placed[e.NodeID] ?? 0) + 1;
    }
    // by the heartbeats alone (as in Go) every node looked idle to every job, and some took five or
    // more while another got one; counted as placed, each job goes where the least is
    expect(placed).toEqual(Object.fromEntries(nodes.map((id) => [id, 3])));
  });

  it('counts what it placed on a node until a report that includes it is in the store', async () => {
    const c = await start();
    const halfCpu = (name: string) =>
      jobSpec('batch', { Name: name, Tasks: [taskWith({ Resources: { CPU: '500m' } })] });
    await c.addNode('n-1', { nodeInfo: { capacity: { CPU: 1 } }, run: { action: 'hang' } });
    const first = await Promise.all(['a', 'b'].map((name) => c.submit(halfCpu(name))));
    for (const { JobID } of first) await c.waitForJobState(JobID, 'Running');
    await c.addNode('n-2', { nodeInfo: { capacity: { CPU: 1 } }, run: { action: 'hang' } });
    // n-1 reports itself full; busier figures reach the store only at the persistence tick (15 s)
    await c.advance(6_000);
    const second = await Promise.all(['c', 'd'].map((name) => c.submit(halfCpu(name))));
    for (const { JobID } of second) await c.waitForJobState(JobID, 'Running');
    const nodesOf = async (jobs: { JobID: string }[]) =>
      (await Promise.all(jobs.map(async ({ JobID }) => (await executionList(c, JobID))[0]?.NodeID))).sort();
    expect(await nodesOf(first)).toEqual(['n-1', 'n-1']);
    // dropping them at the heartbeat left n-1 looking as idle as at its handshake, and it got one more
    expect(await nodesOf(second)).toEqual(['n-2', 'n-2']);
  });

  it('queues a job while no node can take it and runs it once one joins', async () => {
    const c = await start();
    const { JobID } = await c.submit(
      jobSpec('batch', { Tasks: [taskWith({ Timeouts: { QueueTimeout: 3600 } })] }),
    );
    const queued = await c.waitForJobState(JobID, 'Queued');
    expect(queued.State.Message).toBe(
      'Job queued. not enough nodes to run job. requested: 1, available: 0, suitable: 0.',
    );

    await c.addNode('n-1');
    await c.settle();
    expect(await stateOf(c, JobID)).toBe('Queued');
    // The join is re-evaluated with the node re-evaluator's batch (15 s), before the queue backoff (1 m)
    // that Bacalhau waits for.
    await c.advance(15_000);
    await c.waitForJobState(JobID, 'Completed');
    expect(await executionsOf(c, JobID)).toEqual(['n-1 p0 v1 Stopped/Completed']);
    expect((await historyOf(c, JobID)).map((h) => h[2])).toEqual([
      'Job submitted',
      'Job queued. not enough nodes to run job. requested: 1, available: 0, suitable: 0.',
      'Requested execution on n-1',
      'Running',
      'Running',
      'Completed successfully',
      'Completed',
    ]);
  });

  describe('when a busy node frees capacity', () => {
    /** One node with one CPU, running a one-CPU job for two minutes; its heartbeats show it busy. */
    async function busyNode(queueBackoff = '1h'): Promise<{ c: TestCluster; first: string }> {
      // by default a backoff no test waits for: whatever runs sooner was woken by the freed capacity
      const c = await start({ config: [`Orchestrator.Scheduler.QueueBackoff=${queueBackoff}`] });
      const node = await c.addNode('n-1', { nodeInfo: { capacity: { CPU: 1 } } });
      const { JobID: first } = await c.submit(oneCpu('batch', 'first'));
      // the first ends at 2 m; a daemon runs until cancelled; anything else ends at once
      node.setRunPolicy((e) =>
        e.JobID === first
          ? { action: 'complete', afterMs: minutes(2) }
          : e.Job?.Type === 'daemon'
            ? { action: 'hang' }
            : { action: 'complete' },
      );
      await c.waitForJobState(first, 'Running');
      await c.advance(40_000); // heartbeats at 15 s and 30 s show it busy, and are stored
      return { c, first };
    }
    const oneCpu = (type: string, name: string): Record<string, unknown> =>
      jobSpec(type, {
        Name: name,
        Tasks: [taskWith({ Resources: { CPU: '1' }, Timeouts: { QueueTimeout: 7200 } })],
      });

    it('runs a queued job then, not after its queue backoff', async () => {
      const { c, first } = await busyNode();
      const { JobID } = await c.submit(oneCpu('batch', 'second'));
      await c.waitForJobState(JobID, 'Queued');
      await c.advance(minutes(2)); // the first ends at 2 m; the next heartbeat shows the CPU free
      expect(await stateOf(c, first)).toBe('Completed');
      expect(await stateOf(c, JobID)).toBe('Completed');
    });

    it('starts a daemon job waiting for it at its next look, and its history says what it waited for', async () => {
      const { c } = await busyNode('3m');
      const { JobID } = await c.submit(oneCpu('daemon', 'everywhere'));
      await c.settle();
      expect(await executionsOf(c, JobID)).toEqual([]);
      const waiting = (await historyOf(c, JobID)).map((h) => h[2]);
      expect(waiting[1]).toMatch(
        /^Job queued\. waiting for capacity on 1 of 1 nodes\.\n• Node n-1: node busy/u,
      );
      // the node frees its CPU at 2 m; the daemon, waiting for that node in particular, looks again at 3 m
      await c.advance(minutes(2) + seconds(30));
      expect(await executionsOf(c, JobID)).toEqual([]);
      await c.advance(minutes(1));
      expect(await executionsOf(c, JobID)).toEqual(['n-1 p0 v1 Running/New']);
    });
  });

  it('fails a queued job once its queue timeout has passed', async () => {
    const c = await start();
    const { JobID } = await c.submit(
      jobSpec('batch', { Tasks: [taskWith({ Timeouts: { QueueTimeout: 90 } })] }),
    );
    await c.waitForJobState(JobID, 'Queued');
    await c.advance(minutes(1)); // first re-evaluation at 60 s: still within the queue timeout
    expect(await stateOf(c, JobID)).toBe('Queued');
    await c.advance(minutes(1)); // second at 120 s: past it
    const job = await c.waitForJobState(JobID, 'Failed');
    expect(job.State.Message).toBe('not enough nodes to run job. requested: 1, available: 0, suitable: 0.');
  });

  it('retries an execution that failed on another node', async () => {
    const c = await start({
      nodes: ['n-1', 'n-2'],
      nodeOptions: {
        run: firstThen({ action: 'fail', error: new Error('exit status 137') }, { action: 'complete' }),
      },
    });
    const { JobID } = await c.submit(jobSpec());
    await c.waitForJobState(JobID, 'Completed');

    const [failed, completed] = await executionList(c, JobID);
    expect(failed?.ComputeState).toEqual({ StateType: 'Failed', Message: 'exit status 137' });
    expect(failed?.DesiredState.StateType).toBe('Stopped');
    expect(completed?.ComputeState.StateType).toBe('Completed');
    expect(completed?.NodeID).not.toBe(failed?.NodeID);
    expect((await historyOf(c, JobID)).filter((h) => h[0] === 'ExecutionLevel').map((h) => h[2])).toEqual([
      `Requested execution on ${failed?.NodeID}`,
      'Running',
      'exit status 137',
      `Requested execution on ${completed?.NodeID}`,
      'Running',
      'Completed successfully',
    ]);
  });

  it('marks a node that stops heartbeating DISCONNECTED after DisconnectTimeout and reschedules its work', async () => {
    const c = await start({
      nodes: ['n-1', 'n-2'],
      nodeOptions: { run: firstThen({ action: 'hang' }, { action: 'complete' }) },
    });
    const { JobID } = await c.submit(jobSpec());
    const [running] = await waitForExecutions(c, JobID, 1, executing, 'executing');
    const lostID = running?.NodeID ?? '';
    const otherID = lostID === 'n-1' ? 'n-2' : 'n-1';
    await c.node(lostID).waitForExecution(running?.ID ?? '', 'Running');
    await c.node(lostID).crash();

    await c.advance(seconds(15)); // within DisconnectTimeout (20 s) of the last heartbeat
    expect((await c.orchestrator.nodes.get(lostID)).ConnectionState.Status).toBe('CONNECTED');
    expect(await stateOf(c, JobID)).toBe('Running');

    // Past the timeout (checked every 6.7 s), plus the re-evaluation batch delay (2 s).
    await c.advance(seconds(15));
    const lost = await c.orchestrator.nodes.get(lostID);
    expect(lost.ConnectionState.Status).toBe('DISCONNECTED');
    expect(lost.ConnectionState.LastError).toBe('heartbeat timeout');
    expect((await c.orchestrator.nodes.get(otherID)).ConnectionState.Status).toBe('CONNECTED');

    await c.waitForJobState(JobID, 'Completed');
    expect(await executionsOf(c, JobID)).toEqual([
      `${lostID} p0 v1 Stopped/Failed`,
      `${otherID} p0 v1 Stopped/Completed`,
    ]);
    expect((await historyOf(c, JobID)).map((h) => h[2])).toContain(
      'Execution stop requested because node has disappeared',
    );
  });

  it('stops a running job: CancelExecution reaches the node and the job is Stopped', async () => {
    const c = await start({ nodes: ['n-1'], nodeOptions: { run: { action: 'hang' } } });
    const { JobID } = await c.submit(jobSpec());
    const [running] = await waitForExecutions(c, JobID, 1, executing, 'executing');
    const executionID = running?.ID ?? '';
    await c.node('n-1').waitForExecution(executionID, 'Running');

    const { EvaluationID } = await c.orchestrator.endpoint.stopJob({
      jobID: JobID,
      reason: 'no longer needed',
    });
    expect(EvaluationID).not.toBe('');
    await c.node('n-1').waitForExecution(executionID, 'Cancelled');
    await waitForExecutions(c, JobID, 1, (e) => e.ComputeState.StateType === 'Cancelled', 'cancelled');

    const job = await c.orchestrator.jobs.getJob(JobID);
    expect(job.State).toEqual({ StateType: 'Stopped', Message: 'no longer needed' });
    expect(await executionsOf(c, JobID)).toEqual(['n-1 p0 v1 Stopped/Cancelled']);
    expect(c.node('n-1').received.items.map((m) => m.type)).toEqual([
      'AskForBid',
      'BidAccepted',
      'CancelExecution',
    ]);
    expect((await historyOf(c, JobID)).slice(-2).map((h) => h[2])).toEqual([
      'Job requested to stop before completion',
      'Execution stop requested because job has been stopped',
    ]);
    // Stopping again is a no-op.
    expect(await c.orchestrator.endpoint.stopJob({ jobID: JobID })).toEqual({ EvaluationID: '' });
  });

  it('updates a job by name: a new version runs and the old version is cancelled', async () => {
    const c = await start({
      nodes: ['n-1'],
      nodeOptions: { run: (e) => (e.JobVersion === 1 ? { action: 'hang' } : { action: 'complete' }) },
    });
    const v1 = await c.submit(jobSpec('batch', { Name: 'nightly' }));
    const [old] = await waitForExecutions(c, v1.JobID, 1, executing, 'v1 executing');

    const v2 = await c.submit(
      jobSpec('batch', {
        Name: 'nightly',
        Tasks: [
          taskWith({ Engine: { Type: 'docker', Params: { Image: 'busybox:1.37.0', Entrypoint: ['date'] } } }),
        ],
      }),
    );
    expect(v2.JobID).toBe(v1.JobID);
    const job = await c.waitForJobState(v1.JobID, 'Completed');
    expect(job.Version).toBe(2);
    expect((await c.orchestrator.jobs.getJobVersions(v1.JobID)).map((j) => j.Version)).toEqual([1, 2]);
    expect(await executionsOf(c, v1.JobID)).toEqual([
      'n-1 p0 v1 Stopped/Cancelled',
      'n-1 p0 v2 Stopped/Completed',
    ]);
    await c.node('n-1').waitForExecution(old?.ID ?? '', 'Cancelled');
    const history = (await historyOf(c, v1.JobID)).map((h) => h[2]);
    expect(history).toContain('Job updated');
    expect(history).toContain('Execution stopped for job update');

    // The same spec again is refused without force.
    await expect(
      c.submit(
        jobSpec('batch', {
          Name: 'nightly',
          Tasks: [
            taskWith({
              Engine: { Type: 'docker', Params: { Image: 'busybox:1.37.0', Entrypoint: ['date'] } },
            }),
          ],
        }),
      ),
    ).rejects.toMatchObject({ code: 'ResourceInUse' });
  });

  it('updates a running job that fills most of its node: the old version makes room for the new', async () => {
    const c = await start({
      nodes: ['n-1'],
      nodeOptions: {
        nodeInfo: { capacity: { CPU: 2 } },
        run: (e) => (e.JobVersion === 1 ? { action: 'hang' } : { action: 'complete' }),
      },
    });
    const big = (label: string) =>
      jobSpec('batch', {
        Name: 'big',
        Labels: { v: label },
        Tasks: [taskWith({ Resources: { CPU: '1.8' } })],
      });
    const { JobID } = await c.submit(big('1'));
    await waitForExecutions(c, JobID, 1, executing, 'v1 executing');
    await c.advance(seconds(20)); // heartbeats: the node reports v1's 1.8 CPU in use
    // the plan that cancels v1 places v2: it must not find the node busy with v1 ("node busy")
    await c.submit(big('2'));
    const job = await c.waitForTerminal(JobID);
    expect(job.State).toMatchObject({ StateType: 'Completed' });
    expect(await executionsOf(c, JobID)).toEqual([
      'n-1 p0 v1 Stopped/Cancelled',
      'n-1 p0 v2 Stopped/Completed',
    ]);
  });

  it('reruns a completed job as a new version', async () => {
    const c = await start({ nodes: ['n-1'] });
    const { JobID } = await c.submit(jobSpec());
    await c.waitForJobState(JobID, 'Completed');

    const rerun = await c.orchestrator.endpoint.rerunJob({ jobIDOrName: JobID, reason: 'again' });
    expect(rerun).toMatchObject({ JobID, JobVersion: 2, Warnings: null });
    const job = await c.waitForJobState(JobID, 'Completed');
    expect(job.Version).toBe(2);
    expect(await executionsOf(c, JobID)).toEqual([
      'n-1 p0 v1 Stopped/Completed',
      'n-1 p0 v2 Stopped/Completed',
    ]);
    expect((await historyOf(c, JobID)).map((h) => h[2])).toContain('Job rerun requested');
  });

  it('gives a rerun of a job that timed out its whole time again, counted from the rerun', async () => {
    const c = await start({ nodes: ['n-1'], nodeOptions: { run: { action: 'hang' } } });
    const { JobID } = await c.submit(
      jobSpec('batch', { Tasks: [taskWith({ Timeouts: { TotalTimeout: 300 } })] }),
    );
    await waitForExecutions(c, JobID, 1, executing, 'executing');
    await c.advance(minutes(8));
    await c.waitForJobState(JobID, 'Failed');

    // the rerun runs for 4 of its 5 minutes, then completes; housekeeping passes meanwhile
    c.node('n-1').setRunPolicy({ action: 'complete', afterMs: minutes(4) });
    await c.orchestrator.endpoint.rerunJob({ jobIDOrName: JobID });
    await c.advance(minutes(4) + seconds(30));
    const job = await c.waitForJobState(JobID, 'Completed');
    expect(job.Version).toBe(2);
    expect(await executionsOf(c, JobID)).toEqual([
      'n-1 p0 v1 Stopped/Cancelled',
      'n-1 p0 v2 Stopped/Completed',
    ]);
  });

  it('places the partitions it can and the rest once more nodes join', async () => {
    const c = await start({ nodes: ['n-1', 'n-2'], nodeOptions: { run: { action: 'hang' } } });
    const { JobID } = await c.submit(
      jobSpec('batch', { Count: 3, Tasks: [taskWith({ Timeouts: { QueueTimeout: 3600 } })] }),
    );
    await waitForExecutions(c, JobID, 2, executing, 'two executing');
    expect(await stateOf(c, JobID)).toBe('Running');

    await c.addNode('n-3', { run: { action: 'complete' } });
    await c.advance(minutes(1)); // the job-queue evaluation
    const [third] = await waitForExecutions(c, JobID, 1, (e) => e.NodeID === 'n-3', 'on n-3');
    expect(third?.PartitionIndex).toBe(2);
    const executions = await executionList(c, JobID);
    expect(executions.map((e) => e.PartitionIndex).sort()).toEqual([0, 1, 2]);
    expect(await stateOf(c, JobID)).toBe('Running');
  });

  it('moves work off a node that shuts down gracefully, then off one that is rejected', async () => {
    const c = await start({ nodes: ['n-1', 'n-2'], nodeOptions: { run: { action: 'hang' } } });
    const { JobID } = await c.submit(jobSpec());
    const [first] = await waitForExecutions(c, JobID, 1, executing, 'executing');
    const leaving = first?.NodeID ?? '';
    const rejected = leaving === 'n-1' ? 'n-2' : 'n-1';
    await c.node(leaving).waitForExecution(first?.ID ?? '', 'Running');

    await c.node(leaving).stop(); // a shutdown notice: DISCONNECTED at once, no timeout to wait for
    expect((await c.orchestrator.nodes.get(leaving)).ConnectionState).toMatchObject({
      Status: 'DISCONNECTED',
      LastError: 'graceful shutdown',
    });
    await c.advance(seconds(16)); // the node-leave re-evaluation batch
    const [second] = await waitForExecutions(
      c,
      JobID,
      1,
      (e) => e.NodeID === rejected && executing(e),
      'moved',
    );
    await c.node(rejected).waitForExecution(second?.ID ?? '', 'Running');

    await c.addNode('n-3', { run: { action: 'complete' } });
    await c.orchestrator.nodes.rejectNode(rejected);
    expect(await c.orchestrator.nodes.get(rejected)).toMatchObject({
      Membership: 'REJECTED',
      ConnectionState: { Status: 'DISCONNECTED', LastError: 'node rejected' },
    });
    await c.advance(seconds(16));
    await c.waitForJobState(JobID, 'Completed');
    expect(await executionsOf(c, JobID)).toEqual([
      `${leaving} p0 v1 Stopped/Failed`,
      `${rejected} p0 v1 Stopped/Failed`,
      'n-3 p0 v1 Stopped/Completed',
    ]);
    const stops = (await historyOf(c, JobID)).filter((h) => h[2]?.startsWith('Execution stop requested'));
    expect(stops.map((h) => h[2])).toEqual([
      'Execution stop requested because its node shut down',
      'Execution stop requested because node has been rejected',
    ]);
    // The rejected node was cut off: its execution is gone from the orchestrator's view, and its
    // handshakes are refused from now on.
    await expect(c.node(rejected).connect()).rejects.toMatchObject({ code: 'Forbidden' });
  });

  it('keeps a service job running through graceful restarts of its nodes, however many (not in Go)', async () => {
    // Go counts an execution its node's shutdown stopped against that node: after two restarts of
    // each node, no node may run the job any more, and it fails
    const c = await start({ nodes: ['n-1', 'n-2'], nodeOptions: { run: { action: 'hang' } } });
    const { JobID } = await c.submit(jobSpec('service'));
    for (let restart = 1; restart <= 4; restart++) {
      const [running] = await waitForExecutions(
        c,
        JobID,
        1,
        executing,
        `executing before restart ${restart}`,
      );
      const nodeID = running?.NodeID ?? '';
      await c.node(nodeID).waitForExecution(running?.ID ?? '', 'Running');
      await c.node(nodeID).stop(); // its shutdown notice
      await c.advance(seconds(16)); // the node-leave re-evaluation batch
      const placed = (e: Execution): boolean => executing(e) && e.ID !== running?.ID;
      await waitForExecutions(c, JobID, 1, placed, `placed again after restart ${restart}`);
      await c.startNodeAgain(nodeID);
    }
    expect(await stateOf(c, JobID)).toBe('Running');
    const stops = (await historyOf(c, JobID)).filter((h) => h[2]?.startsWith('Execution stop requested'));
    expect(stops.map((h) => h[2])).toEqual(
      Array(4).fill('Execution stop requested because its node shut down'),
    );
  });

  it('fails a job past its total timeout through housekeeping, cancelling its execution', async () => {
    const c = await start({ nodes: ['n-1'], nodeOptions: { run: { action: 'hang' } } });
    const { JobID } = await c.submit(
      jobSpec('batch', { Tasks: [taskWith({ Timeouts: { TotalTimeout: 300 } })] }),
    );
    const [running] = await waitForExecutions(c, JobID, 1, executing, 'executing');

    // TotalTimeout (5 m) + HousekeepingTimeout buffer (2 m): nothing happens before.
    await c.advance(minutes(7));
    expect(await stateOf(c, JobID)).toBe('Running');
    // The next housekeeping pass (every 30 s) raises a job-timeout evaluation; the scheduler fails the job.
    await c.advance(seconds(30));
    const job = await c.waitForJobState(JobID, 'Failed');
    expect(job.State.Message).toBe('Job timed out. Job took longer than 5m0s');
    await c.node('n-1').waitForExecution(running?.ID ?? '', 'Cancelled');
    expect(await executionsOf(c, JobID)).toEqual(['n-1 p0 v1 Stopped/Cancelled']);
    const evaluations = await c.orchestrator.jobs.listEvaluations({ jobID: JobID });
    expect(evaluations.filter((e) => e.TriggeredBy === 'job-timeout')).toHaveLength(1);
  });

  it('fails an execution past its execution timeout through housekeeping and retries it', async () => {
    const c = await start({
      nodes: ['n-1', 'n-2'],
      nodeOptions: { run: firstThen({ action: 'hang' }, { action: 'complete' }) },
    });
    const { JobID } = await c.submit(
      jobSpec('batch', { Tasks: [taskWith({ Timeouts: { ExecutionTimeout: 60 } })] }),
    );
    const [hung] = await waitForExecutions(c, JobID, 1, executing, 'executing');
    await c.node(hung?.NodeID ?? '').waitForExecution(hung?.ID ?? '', 'Running');
    await c.advance(minutes(3)); // 60 s + 2 m buffer: not yet
    expect(await executionsOf(c, JobID)).toEqual([`${hung?.NodeID} p0 v1 Running/BidAccepted`]);

    await c.advance(seconds(30));
    await c.waitForJobState(JobID, 'Completed');
    const [timedOut, retried] = await executionList(c, JobID);
    expect(timedOut?.ComputeState).toMatchObject({
      StateType: 'Failed',
      Message: 'Execution timed out. Execution took longer than 1m0s',
    });
    expect(retried?.NodeID).not.toBe(timedOut?.NodeID);
    expect(retried?.ComputeState.StateType).toBe('Completed');
    await c.node(timedOut?.NodeID ?? '').waitForExecution(timedOut?.ID ?? '', 'Cancelled');
  });
});

describe('orchestrator: daemon and ops jobs', () => {
  it('runs a daemon job on every node, and on a node that joins later', async () => {
    const c = await start({ nodes: ['n-1', 'n-2'], nodeOptions: { run: { action: 'hang' } } });
    const { JobID } = await c.submit(jobSpec('daemon'));
    await c.waitForJobState(JobID, 'Running');
    const first = await waitForExecutions(c, JobID, 2, () => true, 'two');
    expect(first.map((e) => e.NodeID).sort()).toEqual(['n-1', 'n-2']);
    // Daemon executions run without a bid round.
    expect(first.every((e) => e.DesiredState.StateType === 'Running')).toBe(true);

    const late = await c.addNode('n-3');
    await c.advance(seconds(16)); // the node-join re-evaluation batch (15 s)
    const all = await waitForExecutions(c, JobID, 3, () => true, 'three');
    const onLate = all.find((e) => e.NodeID === 'n-3');
    expect(onLate).toBeDefined();
    await late.waitForExecution(onLate?.ID ?? '', 'Running');
    expect(await stateOf(c, JobID)).toBe('Running');
  });

  it('completes an ops job once it ran on every node', async () => {
    const c = await start({ nodes: ['n-1', 'n-2'] });
    const { JobID } = await c.submit(jobSpec('ops'));
    await c.waitForJobState(JobID, 'Completed');
    expect((await executionsOf(c, JobID)).sort()).toEqual([
      'n-1 p0 v1 Stopped/Completed',
      'n-2 p0 v1 Stopped/Completed',
    ]);
  });

  it('fails an ops job when one of its executions fails, without retrying it', async () => {
    const c = await start({
      nodes: ['n-1', 'n-2'],
      nodeOptions: {
        run: (e) =>
          e.NodeID === 'n-1' ? { action: 'fail', error: new Error('boom') } : { action: 'complete' },
      },
    });
    const { JobID } = await c.submit(jobSpec('ops'));
    const job = await c.waitForJobState(JobID, 'Failed');
    // Go's summary, then why: the failed execution's own message
    expect(job.State.Message).toMatch(
      /^Job failed because one or more executions failed\n• Last failure \(execution e-[0-9a-f]{8} on node n-1\): boom$/,
    );
    expect((await executionsOf(c, JobID)).sort()).toEqual([
      'n-1 p0 v1 Stopped/Failed',
      'n-2 p0 v1 Stopped/Completed',
    ]);
  });

  it('fails an ops job that no node can run', async () => {
    const c = await start({ nodes: ['n-1'] });
    const { JobID } = await c.submit(
      jobSpec('ops', { Constraints: [{ Key: 'zone', Operator: '=', Values: ['eu'] }] }),
    );
    const job = await c.waitForJobState(JobID, 'Failed');
    expect(job.State.Message).toMatch(/^not matching nodes to run job out of 1 available nodes\./);
    expect(await executionList(c, JobID)).toEqual([]);
  });
});

describe('orchestrator: nodes and restarts', () => {
  it('holds work for a node awaiting manual approval until it is approved', async () => {
    const c = await start({ config: ['Orchestrator.NodeManager.ManualApproval=true'] });
    await c.addNode('n-1');
    expect((await c.orchestrator.nodes.get('n-1')).Membership).toBe('PENDING');
    const { JobID } = await c.submit(
      jobSpec('batch', { Tasks: [taskWith({ Timeouts: { QueueTimeout: 3600 } })] }),
    );
    await c.waitForJobState(JobID, 'Queued');

    await c.orchestrator.nodes.approveNode('n-1');
    expect((await c.orchestrator.nodes.get('n-1')).Membership).toBe('APPROVED');
    await c.advance(minutes(1));
    await c.waitForJobState(JobID, 'Completed');
  });

  it('registers itself as an approved, connected Requester node', async () => {
    const c = await start();
    const self = await c.orchestrator.nodes.get(c.orchestrator.nodeID);
    expect(self.Info.NodeType).toBe('Requester');
    expect(self.Membership).toBe('APPROVED');
    expect(self.ConnectionState.Status).toBe('CONNECTED');
  });

  it('picks a queued job up again after a restart on the same database', async () => {
    const c = await start();
    const { JobID } = await c.submit(
      jobSpec('batch', { Tasks: [taskWith({ Timeouts: { QueueTimeout: 3600 } })] }),
    );
    await c.waitForJobState(JobID, 'Queued');

    const before = c.orchestrator;
    await c.restart();
    expect(before.state).toBe('stopped');
    expect(c.orchestrator.storePath).toBe(join(dir, 'orchestrator', 'state.db'));
    expect(await stateOf(c, JobID)).toBe('Queued');

    await c.addNode('n-1');
    await c.advance(minutes(1)); // the delayed job-queue evaluation survived the restart
    await c.waitForJobState(JobID, 'Completed');
    expect(await executionsOf(c, JobID)).toEqual(['n-1 p0 v1 Stopped/Completed']);
  });

  it('completes a job whose execution was running across a restart', async () => {
    const c = await start({
      nodes: ['n-1'],
      nodeOptions: { run: { action: 'complete', afterMs: minutes(2) } },
    });
    const { JobID } = await c.submit(jobSpec());
    await waitForExecutions(c, JobID, 1, executing, 'executing');

    await c.restart();
    // The node learns on its next heartbeat that it must handshake again, reconnects, and reports.
    await c.advance(minutes(3));
    await c.waitForJobState(JobID, 'Completed');
    expect(await executionsOf(c, JobID)).toEqual(['n-1 p0 v1 Stopped/Completed']);
    expect((await c.orchestrator.nodes.get('n-1')).ConnectionState.Status).toBe('CONNECTED');
  });

  it('reschedules the work of a node that died while the orchestrator was down', async () => {
    const c = await start({ nodes: ['n-1'], nodeOptions: { run: { action: 'hang' } } });
    const { JobID } = await c.submit(jobSpec());
    const [running] = await waitForExecutions(c, JobID, 1, executing, 'executing');
    await c.node('n-1').waitForExecution(running?.ID ?? '', 'Running');
    await c.addNode('n-2', { run: { action: 'complete' } });

    await c.orchestrator.stop();
    await c.node('n-1').crash();
    await c.restart();
    // n-1 gets one DisconnectTimeout to come back; it does not, and its execution moves to n-2, which
    // handshakes again on its next heartbeat.
    await c.advance(seconds(10));
    expect(await stateOf(c, JobID)).toBe('Running');
    await c.advance(seconds(30));
    await c.waitForJobState(JobID, 'Completed');
    expect(await executionsOf(c, JobID)).toEqual(['n-1 p0 v1 Stopped/Failed', 'n-2 p0 v1 Stopped/Completed']);
    expect((await c.orchestrator.nodes.get('n-1')).ConnectionState).toMatchObject({
      Status: 'DISCONNECTED',
      LastError: 'heartbeat timeout',
    });
  });
});
