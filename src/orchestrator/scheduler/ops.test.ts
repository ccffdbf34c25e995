import { describe, expect, it } from 'vitest';
import type { JobStateType, Plan } from '../../models/index.js';
import { OpsJobScheduler } from './ops.js';
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
  numberedNodes,
  processInLargeCluster,
  secondsNs,
  testOptions,
  updates,
  wasmOnlyNode,
  type InputFixture,
  type JobFixture,
} from './testing.js';
import type { SchedulerOptions } from './types.js';

const TIMESTAMP = '2024-01-01T00:00:00Z';
const opsJob = (f: JobFixture = {}) => job({ Type: 'ops', Count: 0, ...f });

function schedule(f: InputFixture, options: SchedulerOptions = {}): Plan {
  return new OpsJobScheduler(testOptions(options)).process(input(f));
}

describe('OpsJobScheduler', () => {
  describe('placement', () => {
    it('runs directly (desired Running) on every matching node and runs the job', () => {
      const plan = schedule({ job: opsJob(), nodes: [...numberedNodes(3), wasmOnlyNode('nodeW')] });
      expect(created(plan)).toEqual(['node0#0 Running/New', 'node1#0 Running/New', 'node2#0 Running/New']);
      expect(plan.NewExecutions[1]).toMatchObject({ ID: 'e-2', EvalID: 'v-eval', JobVersion: 1 });
      expect(plan.DesiredJobState).toBe('Running');
      expect(jobEvents(plan)).toEqual(['State Update: Running']);
    });

    it('adds nodes that match later, never a second execution on a node (even a failed one)', () => {
      const plan = schedule({
        job: opsJob({ state: 'Running' }),
        executions: [exec('node0', 'Completed'), exec('node1', 'Failed'), exec('node2', 'Running')],
        nodes: numberedNodes(5),
      });
      expect(created(plan)).toEqual(['node3#0 Running/New', 'node4#0 Running/New']);
      expect(plan.DesiredJobState).toBe('Undefined');
    });

    it('fails the job when no node matches and it has no execution, with the exact message', () => {
      const plan = schedule({
        job: opsJob(),
        nodes: [wasmOnlyNode('nodeW1'), wasmOnlyNode('nodeW2'), node('x', { publishers: ['s3'] })],
      });
      const message =
        'not matching nodes to run job out of 3 available nodes.\n' +
        '• 2 of 3 nodes: does not support docker, only wasm\n' +
        '• Node x: does not support local, only s3';
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.UpdateMessage).toBe(message);
      expect(plan.JobEvents).toEqual([
        {
          Message: message,
          Topic: 'Scheduling',
          Timestamp: TIMESTAMP,
          Details: { IsError: 'true', NodesAvailable: '3' },
        },
      ]);
      expect(created(plan)).toEqual([]);
      expect(plan.NewEvaluations).toEqual([]);
    });

    it('with no node at all: not matching nodes out of 0', () => {
      const plan = schedule({ job: opsJob(), nodes: [] });
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.UpdateMessage).toBe('not matching nodes to run job out of 0 available nodes.');
    });

    it('with no matching node but executions already placed, waits for them', () => {
      const plan = schedule({
        job: opsJob({ state: 'Running' }),
        executions: [exec('node0', 'BidAccepted')],
        nodes: [node('node0')],
      });
      expect(isEmptyPlan(plan)).toBe(true);
    });

    it('starts at most 20 executions per evaluation and does not complete meanwhile', () => {
      const plan = schedule({ job: opsJob(), nodes: numberedNodes(21) });
      expect(plan.NewExecutions.length).toBe(20);
      expect(newEvals(plan)).toEqual([
        {
          TriggeredBy: 'exec-limit',
          WaitUntil: '2024-01-01T00:00:00.1Z',
          Comment:
            'Creating delayed evaluation to schedule remaining 1 executions after reaching limit of 20',
        },
      ]);
    });

    it('with everything done but new nodes beyond the rate limit, stays running', () => {
      const plan = schedule(
        {
          job: opsJob({ state: 'Running' }),
          executions: [exec('node0', 'Completed'), exec('node1', 'Completed')],
          nodes: numberedNodes(5),
        },
        { maxExecutionsPerEval: 2 },
      );
      expect(created(plan)).toEqual(['node2#0 Running/New', 'node3#0 Running/New']);
      expect(newEvals(plan).map((e) => e.TriggeredBy)).toEqual(['exec-limit']);
      expect(plan.DesiredJobState).toBe('Undefined');
    });
  });

  describe('completion', () => {
    it('completes when nothing is live and nothing is pending', () => {
      const plan = schedule({
        job: opsJob({ state: 'Running' }),
        executions: [exec('node0', 'Completed'), exec('node1', 'Completed')],
        nodes: numberedNodes(2),
      });
      expect(plan.DesiredJobState).toBe('Completed');
      expect(plan.JobEvents).toEqual([
        {
          Message: 'Completed',
          Topic: 'State Update',
          Timestamp: TIMESTAMP,
          Details: { NewState: 'Completed' },
        },
      ]);
    });

    it('fails when any execution failed, once nothing is live', () => {
      const plan = schedule({
        job: opsJob({ state: 'Running' }),
        executions: [exec('node0', 'Completed'), exec('node1', 'Failed')],
        nodes: numberedNodes(2),
      });
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.UpdateMessage).toBe('Job failed because one or more executions failed');
      expect(jobEvents(plan)).toEqual(['Scheduling: Job failed because one or more executions failed']);
    });

    it('says why the execution that failed last failed', () => {
      const plan = schedule({
        job: opsJob({ state: 'Running' }),
        executions: [
          exec('node0', 'Failed', { modified: NOW_NS - 1e9, message: 'exit status 3' }),
          exec('node1', 'Failed', { message: 'no such file: /data' }),
        ],
        nodes: numberedNodes(2),
      });
      expect(plan.UpdateMessage).toBe(
        'Job failed because one or more executions failed\n' +
          '• Last failure (execution e-node1-Failed-p0-v1 on node node1): no such file: /data',
      );
    });

    it('waits while an execution is live, even if another failed', () => {
      const plan = schedule({
        job: opsJob({ state: 'Running' }),
        executions: [exec('node0', 'Running'), exec('node1', 'Failed')],
        nodes: numberedNodes(2),
      });
      expect(isEmptyPlan(plan)).toBe(true);
    });

    it('a bid rejected by a node is neither a failure nor retried', () => {
      const plan = schedule({
        job: opsJob({ state: 'Running' }),
        executions: [exec('node0', 'Completed'), exec('node1', 'AskForBidRejected')],
        nodes: numberedNodes(2),
      });
      expect(plan.DesiredJobState).toBe('Completed');
      expect(created(plan)).toEqual([]);
    });

    it('fails when every node rejected it, saying why: it ran nowhere', () => {
      const refused = (node: string, reason: string) => {
        const e = exec(node, 'AskForBidRejected');
        return { ...e, ComputeState: { StateType: 'AskForBidRejected' as const, Message: reason } };
      };
      const plan = schedule({
        job: opsJob({ state: 'Running' }),
        executions: [
          refused('node0', 'no FOO here'),
          refused('node1', 'no FOO here'),
          refused('node2', 'disk full'),
        ],
        nodes: numberedNodes(3),
      });
      expect(plan.DesiredJobState).toBe('Failed');
      expect(jobEvents(plan)).toEqual([
        'Scheduling: Job failed because every node rejected it.\n• 2 of 3 nodes: no FOO here\n• Node node2: disk full',
      ]);
      expect(created(plan)).toEqual([]);
    });

    it('fails executions on lost nodes and then the job, as they were the last ones live', () => {
      const lost = exec('node1', 'Running');
      const plan = schedule({
        job: opsJob({ state: 'Running' }),
        executions: [exec('node0', 'Completed'), lost],
        nodes: [node('node0'), node('node1', { connection: 'DISCONNECTED' })],
      });
      expect(updates(plan)).toEqual([
        `${lost.ID} → Stopped/Failed: Execution stop requested because node has disappeared`,
      ]);
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.UpdateMessage).toBe(
        'Job failed because one or more executions failed\n' +
          `• Last failure (execution ${lost.ID} on node node1): Execution stop requested because node has disappeared`,
      );
    });
  });

  describe('timeouts', () => {
    it('fails the job past its total timeout and cancels what runs', () => {
      const running = exec('node0', 'Running');
      const plan = schedule({
        job: opsJob({ state: 'Running', CreateTime: NOW_NS - secondsNs(61), timeouts: { TotalTimeout: 60 } }),
        executions: [running, exec('node1', 'Completed')],
        nodes: numberedNodes(4),
      });
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.UpdateMessage).toBe('Job timed out. Job took longer than 1m0s');
      expect(plan.JobEvents[0]?.Topic).toBe('Job Timeout');
      expect(updates(plan)).toEqual([
        `${running.ID} → Stopped/Cancelled: Execution stopped due to job failure`,
      ]);
      // Unlike Go, nothing new starts for a job that has just failed.
      expect(created(plan)).toEqual([]);
    });

    it('fails an execution past the execution timeout, and then the job', () => {
      const expired = exec('node0', 'Running', { modified: NOW_NS - secondsNs(31) });
      const plan = schedule({
        job: opsJob({ state: 'Running', timeouts: { ExecutionTimeout: 30 } }),
        executions: [expired, exec('node1', 'Completed')],
        nodes: numberedNodes(2),
      });
      expect(updates(plan)).toEqual([
        `${expired.ID} → Stopped/Failed: Execution timed out. Execution took longer than 30s`,
      ]);
      expect(plan.ExecutionEvents.get(expired.ID)?.[0]?.Topic).toBe('Exec Timeout');
      expect(created(plan)).toEqual([]);
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.UpdateMessage).toBe(
        'Job failed because one or more executions failed\n' +
          `• Last failure (execution ${expired.ID} on node node0): Execution timed out. Execution took longer than 30s`,
      );
    });

    it('leaves executions within their timeout alone', () => {
      const plan = schedule({
        job: opsJob({ state: 'Running', timeouts: { ExecutionTimeout: 30, TotalTimeout: 60 } }),
        executions: [exec('node0', 'Running', { modified: NOW_NS - secondsNs(30) })],
        nodes: numberedNodes(1),
      });
      expect(isEmptyPlan(plan)).toBe(true);
    });
  });

  describe('stop and update', () => {
    it.each<JobStateType>(['Stopped', 'Completed', 'Failed'])(
      'cancels every live execution of a %s job and does nothing else',
      (state) => {
        const running = exec('node0', 'Running');
        const plan = schedule({
          job: opsJob({ state }),
          executions: [running, exec('node1', 'Failed')],
          nodes: numberedNodes(3),
        });
        expect(updates(plan)).toEqual([
          `${running.ID} → Stopped/Cancelled: Execution stop requested because job has been stopped`,
        ]);
        expect(created(plan)).toEqual([]);
        expect(plan.DesiredJobState).toBe('Undefined');
        expect(plan.JobEvents).toEqual([]);
      },
    );

    it("completes a rerun whose executions all completed, whatever the earlier version's did", () => {
      const plan = schedule({
        job: opsJob({ Version: 2, state: 'Running' }),
        executions: [
          exec('node0', 'Failed', { version: 1 }),
          exec('node0', 'Completed', { version: 2 }),
          exec('node1', 'Completed', { version: 2 }),
        ],
        nodes: numberedNodes(2),
      });
      expect(created(plan)).toEqual([]);
      expect(plan.DesiredJobState).toBe('Completed');
    });

    it('fails a rerun one of whose own executions failed', () => {
      const plan = schedule({
        job: opsJob({ Version: 2, state: 'Running' }),
        executions: [exec('node0', 'Failed', { version: 2 }), exec('node1', 'Completed', { version: 2 })],
        nodes: numberedNodes(2),
      });
      expect(plan.DesiredJobState).toBe('Failed');
    });

    it('cancels old-version executions and runs the new version on every node', () => {
      const old = exec('node0', 'Running', { version: 1 });
      const plan = schedule({
        job: opsJob({ Version: 2, state: 'Pending' }),
        trigger: 'job-update',
        executions: [old, exec('node1', 'Completed', { version: 1 })],
        nodes: numberedNodes(2),
      });
      expect(updates(plan)).toEqual([`${old.ID} → Stopped/Cancelled: Execution stopped for job update`]);
      expect(created(plan)).toEqual(['node0#0 Running/New', 'node1#0 Running/New']);
      expect(plan.DesiredJobState).toBe('Running');
    });
  });
});

describe('OpsJobScheduler in a large cluster', () => {
  it('ranks every node: it runs on all that match, so it asks for no sample', () => {
    const run = processInLargeCluster((o) => new OpsJobScheduler(o), opsJob(), 300);
    expect([run.wants, run.rankedPerCall, run.plan.NewExecutions.length]).toEqual([[undefined], [301], 300]);
  });
});
