import { describe, expect, it } from 'vitest';
import type { JobStateType, NodeState, Plan } from '../../models/index.js';
import { DaemonJobScheduler } from './daemon.js';
import {
  NOW_NS,
  created,
  exec,
  input,
  isEmptyPlan,
  job,
  jobEvents,
  newEvals,
  node,
  nodes,
  numberedNodes,
  processInLargeCluster,
  secondsNs,
  testOptions,
  updates,
  wasmOnlyNode,
  type InputFixture,
  type JobFixture,
  type NodeFixture,
} from './testing.js';
import type { SchedulerOptions } from './types.js';

const daemonJob = (f: JobFixture = {}) => job({ Type: 'daemon', Count: 0, ...f });

function schedule(f: InputFixture, options: SchedulerOptions = {}): Plan {
  return new DaemonJobScheduler(testOptions(options)).process(input(f));
}

describe('DaemonJobScheduler', () => {
  it('starts an execution on every matching node, directly (desired Running), and runs the job', () => {
    const j = daemonJob();
    const plan = schedule({
      job: j,
      nodes: [...numberedNodes(3), wasmOnlyNode('nodeW'), node('away', { connection: 'DISCONNECTED' })],
    });
    expect(created(plan)).toEqual(['node0#0 Running/New', 'node1#0 Running/New', 'node2#0 Running/New']);
    expect(plan.NewExecutions[0]).toMatchObject({
      ID: 'e-1',
      EvalID: 'v-eval',
      Namespace: 'default',
      JobID: 'j-1',
      JobVersion: 1,
      Job: j,
    });
    expect(plan.ExecutionEvents.get('e-3')?.map((e) => e.Message)).toEqual(['Requested execution on node2']);
    expect(plan.DesiredJobState).toBe('Running');
    expect(jobEvents(plan)).toEqual(['State Update: Running']);
    expect(plan.NewEvaluations).toEqual([]);
  });

  it('honours constraints: only nodes whose labels match', () => {
    const plan = schedule({
      job: daemonJob({ Constraints: [{ Key: 'zone', Operator: '=', Values: ['a'] }] }),
      nodes: [node('a1', { labels: { zone: 'a' } }), node('b1', { labels: { zone: 'b' } }), node('none')],
    });
    expect(created(plan)).toEqual(['a1#0 Running/New']);
  });

  it('expands to nodes that joined since (node-join), leaving running executions alone', () => {
    const plan = schedule({
      job: daemonJob({ state: 'Running' }),
      trigger: 'node-join',
      executions: [exec('node0', 'Running'), exec('node1', 'BidAccepted')],
      nodes: numberedNodes(3),
    });
    expect(created(plan)).toEqual(['node2#0 Running/New']);
    expect(updates(plan)).toEqual([]);
    expect(plan.DesiredJobState).toBe('Undefined');
    expect(plan.JobEvents).toEqual([]);
  });

  it('does nothing when every matching node already runs the daemon', () => {
    const plan = schedule({
      job: daemonJob({ state: 'Running' }),
      executions: [exec('node0', 'Running'), exec('node1', 'New', { desired: 'Running' })],
      nodes: numberedNodes(2),
    });
    expect(isEmptyPlan(plan)).toBe(true);
  });

  it('restarts a failed daemon on its node, but not after a second failure there', () => {
    const once = schedule({
      job: daemonJob({ state: 'Running' }),
      executions: [exec('node0', 'Running'), exec('node1', 'Failed', { id: 'e-f1' })],
      nodes: numberedNodes(2),
    });
    expect(created(once)).toEqual(['node1#0 Running/New']);

    const twice = schedule({
      job: daemonJob({ state: 'Running' }),
      executions: [
        exec('node0', 'Running'),
        exec('node1', 'Failed', { id: 'e-f1' }),
        exec('node1', 'Failed', { id: 'e-f2' }),
      ],
      nodes: numberedNodes(2),
    });
    expect(isEmptyPlan(twice)).toBe(true);
  });

  it('says so when its last execution failed and the nodes that ran it will not again', () => {
    const twiceEach = [0, 1].flatMap((n) => [
      exec(`node${n}`, 'Failed', { id: `e-${n}a` }),
      exec(`node${n}`, 'Failed', { id: `e-${n}b` }),
    ]);
    const lookAfter = (trigger: string): Plan =>
      schedule({
        job: daemonJob({ state: 'Running' }),
        executions: twiceEach,
        nodes: numberedNodes(2),
        trigger,
      });
    const dead = lookAfter('exec-update');
    expect(created(dead)).toEqual([]);
    expect(jobEvents(dead)).toEqual([
      'Scheduling: Job runs on no node: it failed more than once on node0, node1 (job version 1), and is not placed ' +
        'there again. Rerun the job (bacalhau job rerun) to try them again',
    ]);
    // said when it happens, not at every later look (a node joining, say)
    expect(jobEvents(lookAfter('node-join'))).toEqual([]);
  });

  it('fails executions on lost nodes without failing the job, and starts them elsewhere', () => {
    const lost = exec('node0', 'Running');
    const plan = schedule({
      job: daemonJob({ state: 'Running' }),
      executions: [lost, exec('node1', 'Failed')],
      nodes: [node('node0', { connection: 'DISCONNECTED' }), node('node1')],
    });
    expect(updates(plan)).toEqual([
      `${lost.ID} → Stopped/Failed: Execution stop requested because node has disappeared`,
    ]);
    expect(created(plan)).toEqual(['node1#0 Running/New']);
    expect(plan.DesiredJobState).toBe('Undefined');
  });

  it('never completes: completed executions are left as they are', () => {
    const plan = schedule({
      job: daemonJob({ state: 'Running' }),
      executions: [exec('node0', 'Completed'), exec('node1', 'Completed')],
      nodes: numberedNodes(2),
    });
    expect(isEmptyPlan(plan)).toBe(true);
  });

  it('with no matching node: Queued with the reasons at its submission, then an empty plan', () => {
    const submitted = schedule({ job: daemonJob(), nodes: [wasmOnlyNode('nodeW')] });
    const reason =
      'not matching nodes to run job out of 1 available nodes.\n• Node nodeW: does not support docker, only wasm';
    expect(submitted.DesiredJobState).toBe('Queued');
    expect(jobEvents(submitted)).toEqual([`Queueing: Job queued. ${reason}`]);
    expect(submitted.NewExecutions).toEqual([]);
    for (const state of ['Queued', 'Running'] as const) {
      const later = schedule({
        job: daemonJob({ state }),
        trigger: 'node-join',
        nodes: [wasmOnlyNode('nodeW')],
      });
      expect(isEmptyPlan(later)).toBe(true);
    }
  });

  it.each(['job-update', 'job-rerun'] as const)(
    'with no matching node after a %s: Queued with the reasons, as at its submission',
    (trigger) => {
      const plan = schedule({ job: daemonJob(), trigger, nodes: [wasmOnlyNode('nodeW')] });
      expect(plan.DesiredJobState).toBe('Queued');
      expect(jobEvents(plan)).toEqual([
        'Queueing: Job queued. not matching nodes to run job out of 1 available nodes.\n' +
          '• Node nodeW: does not support docker, only wasm',
      ]);
    },
  );

  it('has no timeouts', () => {
    const plan = schedule({
      job: daemonJob({
        state: 'Running',
        CreateTime: NOW_NS - secondsNs(86_400),
        timeouts: { TotalTimeout: 60, ExecutionTimeout: 30 },
      }),
      executions: [exec('node0', 'Running', { modified: NOW_NS - secondsNs(86_400) })],
      nodes: numberedNodes(1),
    });
    expect(isEmptyPlan(plan)).toBe(true);
  });

  it.each<JobStateType>(['Stopped', 'Completed', 'Failed'])(
    'cancels every live execution of a %s job and starts nothing',
    (state) => {
      const running = exec('node0', 'Running');
      const fresh = exec('node1', 'New', { desired: 'Running' });
      const plan = schedule({
        job: daemonJob({ state }),
        executions: [running, fresh, exec('node2', 'Failed')],
        nodes: numberedNodes(4),
      });
      expect(updates(plan)).toEqual([
        `${running.ID} → Stopped/Cancelled: Execution stop requested because job has been stopped`,
        `${fresh.ID} → Stopped/Cancelled: Execution stop requested because job has been stopped`,
      ]);
      expect(created(plan)).toEqual([]);
      expect(plan.DesiredJobState).toBe('Undefined');
    },
  );

  it('on update, cancels old-version executions and starts the new version everywhere', () => {
    const old0 = exec('node0', 'Running', { version: 1 });
    const old1 = exec('node1', 'New', { version: 1, desired: 'Pending' });
    const plan = schedule({
      job: daemonJob({ Version: 2, state: 'Pending' }),
      trigger: 'job-update',
      executions: [old0, old1],
      nodes: numberedNodes(2),
    });
    expect(updates(plan)).toEqual([
      `${old1.ID} → Stopped/Cancelled: Execution stopped for job update`,
      `${old0.ID} → Stopped/Cancelled: Execution stopped for job update`,
    ]);
    expect(created(plan)).toEqual(['node0#0 Running/New', 'node1#0 Running/New']);
    expect(plan.NewExecutions.map((e) => e.JobVersion)).toEqual([2, 2]);
    expect(plan.DesiredJobState).toBe('Running');
  });

  it('keeps old-version daemons beyond the rate limit running, and does not double them', () => {
    const old = [0, 1, 2].map((i) =>
      exec(`node${i}`, 'Running', { version: 1, modified: NOW_NS - secondsNs(10 - i) }),
    );
    const plan = schedule(
      { job: daemonJob({ Version: 2, state: 'Running' }), executions: old, nodes: numberedNodes(3) },
      { maxExecutionsPerEval: 2 },
    );
    expect(updates(plan).map((u) => u.split(' ')[0])).toEqual([old[0]?.ID, old[1]?.ID]);
    expect(created(plan)).toEqual(['node0#0 Running/New', 'node1#0 Running/New']);
    expect(newEvals(plan).map((e) => e.TriggeredBy)).toEqual(['exec-limit']);
  });

  it('starts at most 20 executions per evaluation, the rest after an exec-limit evaluation', () => {
    const plan = schedule({ job: daemonJob(), nodes: numberedNodes(23) });
    expect(plan.NewExecutions.length).toBe(20);
    expect(newEvals(plan)).toEqual([
      {
        TriggeredBy: 'exec-limit',
        WaitUntil: '2024-01-01T00:00:00.1Z',
        Comment: 'Creating delayed evaluation to schedule remaining 3 executions after reaching limit of 20',
      },
    ]);
    const next = schedule({
      job: daemonJob({ state: 'Running' }),
      trigger: 'exec-limit',
      executions: plan.NewExecutions.map((e) => ({ ...e, Job: undefined })),
      nodes: numberedNodes(23),
    });
    expect(created(next)).toEqual(['node20#0 Running/New', 'node21#0 Running/New', 'node22#0 Running/New']);
    expect(next.NewEvaluations).toEqual([]);
  });

  describe('a node busy for now', () => {
    /** Running and queued work fill it beyond the over-subscription factor. */
    const busy = (id: string, f: NodeFixture = {}): NodeState =>
      node(id, {
        availableCapacity: { CPU: 0, Memory: 0, Disk: 0 },
        queueCapacity: { CPU: 8, Memory: 16e9, Disk: 100e9 },
        ...f,
      });
    const reason = (nodeID: string): string =>
      `waiting for capacity on 1 of 2 nodes.\n• Node ${nodeID}: node busy with available capacity ` +
      '{CPU: 0.00, Memory: 0 B, Disk: 0 B, GPU: 0} and queue capacity {CPU: 8.00, Memory: 16 GB, Disk: 100 GB, GPU: 0}';

    it('is waited for: a job-queue evaluation after QueueBackoff, and a Queueing event saying why', () => {
      const plan = schedule({ job: daemonJob(), nodes: [...nodes('free'), busy('full')] });
      expect(created(plan)).toEqual(['free#0 Running/New']);
      expect(newEvals(plan)).toEqual([
        { TriggeredBy: 'job-queue', WaitUntil: '2024-01-01T00:01:00Z', Comment: reason('full') },
      ]);
      expect(jobEvents(plan)).toEqual([`Queueing: Job queued. ${reason('full')}`, 'State Update: Running']);
    });

    it('makes the job Queued when every node it could run on is busy', () => {
      const plan = schedule({ job: daemonJob(), nodes: [busy('full')] });
      expect(plan.DesiredJobState).toBe('Queued');
      expect(plan.UpdateMessage).toMatch(/^Job queued\. waiting for capacity on 1 of 1 nodes\./u);
      expect(newEvals(plan).map((e) => e.TriggeredBy)).toEqual(['job-queue']);
    });

    it('is waited for again without another event when the job-queue evaluation finds it still busy', () => {
      const running = exec('free', 'Running');
      const plan = schedule({
        job: daemonJob({ state: 'Running' }),
        trigger: 'job-queue',
        executions: [running],
        nodes: [...nodes('free'), busy('full')],
      });
      expect(created(plan)).toEqual([]);
      expect(newEvals(plan).map((e) => e.TriggeredBy)).toEqual(['job-queue']);
      expect(plan.JobEvents).toEqual([]);
    });

    it('is not waited for when the job exceeds its largest allowed job, or its labels do not match', () => {
      const plan = schedule({
        job: daemonJob({ Constraints: [{ Key: 'zone', Operator: '=', Values: ['a'] }] }),
        nodes: [
          busy('small', { labels: { zone: 'a' }, maxJobRequirements: { CPU: 0.01, Memory: 1, Disk: 1 } }),
          busy('elsewhere', { labels: { zone: 'b' } }),
        ],
      });
      expect(plan.NewEvaluations).toEqual([]);
      // nothing to wait for: only the word that no node matches
      expect(plan.JobEvents.map((e) => e.Message.split('.')[1])).toEqual([
        ' not matching nodes to run job out of 2 available nodes',
      ]);
    });

    it('is not waited for separately when the rate limit already asked for another evaluation', () => {
      const plan = schedule(
        { job: daemonJob(), nodes: [...numberedNodes(3), busy('full')] },
        { maxExecutionsPerEval: 2 },
      );
      expect(newEvals(plan).map((e) => e.TriggeredBy)).toEqual(['exec-limit']);
    });
  });

  it('ignores nodes that are pending approval', () => {
    const plan = schedule({ job: daemonJob(), nodes: [node('p', { membership: 'PENDING' }), ...nodes('a')] });
    expect(created(plan)).toEqual(['a#0 Running/New']);
  });
});

describe('DaemonJobScheduler in a large cluster', () => {
  it('ranks every node: it runs on all that match, so it asks for no sample', () => {
    const run = processInLargeCluster((o) => new DaemonJobScheduler(o), daemonJob(), 300);
    expect([run.wants, run.rankedPerCall, run.plan.NewExecutions.length]).toEqual([[undefined], [301], 300]);
  });
});
