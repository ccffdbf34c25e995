import { describe, expect, it, vi } from 'vitest';
import { deepFreeze } from '../../lib/deep-freeze.js';
import { BacalhauError, type JobStateType, type NodeState, type Plan } from '../../models/index.js';
import { BatchServiceJobScheduler } from './batch-service.js';
import { fixedRetryStrategy } from './retry.js';
import {
  CREATED_NS,
  NOW,
  NOW_NS,
  RecordingSelector,
  created,
  createdOn,
  evaluation,
  exec,
  input,
  isEmptyPlan,
  job,
  jobEvents,
  newEvals,
  node,
  nodes,
  numberedNodes,
  secondsNs,
  testOptions,
  updates,
  wasmOnlyNode,
  type InputFixture,
} from './testing.js';
import type { RetryRequest, SchedulerOptions } from './types.js';

const TIMESTAMP = '2024-01-01T00:00:00Z';

function schedule(f: InputFixture, options: SchedulerOptions = {}): Plan {
  return new BatchServiceJobScheduler(testOptions(options)).process(input(f));
}

const stoppedByJobStop = 'Execution stop requested because job has been stopped';
const nodeDisappeared = 'Execution stop requested because node has disappeared';
const nodeRejected = 'Execution stop requested because node has been rejected';
const moreThanNeeded = 'Execution stop requested because there are more executions than needed';
const dueToJobFailure = 'Execution stopped due to job failure';
const forJobUpdate = 'Execution stopped for job update';

describe.each(['batch', 'service'] as const)('BatchServiceJobScheduler (%s)', (type) => {
  describe('placement', () => {
    it('creates one pending execution per partition on the best-ranked distinct nodes', () => {
      const j = job({ Type: type, Count: 3 });
      const plan = schedule({ job: j, nodes: [wasmOnlyNode('nodeW'), ...numberedNodes(4)] });

      expect(created(plan)).toEqual(['node0#0 Pending/New', 'node1#1 Pending/New', 'node2#2 Pending/New']);
      expect(plan.NewExecutions[0]).toEqual({
        ID: 'e-1',
        Namespace: 'default',
        EvalID: 'v-eval',
        Name: '',
        NodeID: 'node0',
        JobID: 'j-1',
        Job: j,
        JobVersion: 1,
        AllocatedResources: { Tasks: {} },
        DesiredState: { StateType: 'Pending' },
        ComputeState: { StateType: 'New' },
        PublishedResult: { Type: '' },
        RunOutput: {
          Stdout: '',
          StdoutTruncated: false,
          stderr: '',
          StderrTruncated: false,
          ExitCode: 0,
          ErrorMsg: '',
        },
        PreviousExecution: '',
        NextExecution: '',
        FollowupEvalID: '',
        PartitionIndex: 0,
        Revision: 0,
        CreateTime: 0,
        ModifyTime: 0,
      });
      expect(plan.NewExecutions.map((e) => e.ID)).toEqual(['e-1', 'e-2', 'e-3']);
      expect(plan.ExecutionEvents.get('e-2')).toEqual([
        {
          Message: 'Requested execution on node1',
          Topic: 'Scheduling',
          Timestamp: TIMESTAMP,
          Details: { NodeID: 'node1' },
        },
      ]);
      // Nothing may run yet (bids first), so the job stays Pending.
      expect(plan.DesiredJobState).toBe('Undefined');
      expect(plan.JobEvents).toEqual([]);
      expect(plan.UpdatedExecutions.size).toBe(0);
      expect(plan.NewEvaluations).toEqual([]);
    });

    it('generates e-<uuid> execution IDs by default', () => {
      const plan = new BatchServiceJobScheduler({ selector: testOptions().selector }).process(
        input({ job: job({ Type: type }), nodes: nodes('node0') }),
      );
      expect(plan.NewExecutions[0]?.ID).toMatch(
        /^e-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
    });

    it('fills the plan header from the evaluation', () => {
      const f = { job: job({ Type: type }), nodes: nodes('node0') };
      const plan = schedule(f);
      expect(plan.EvalID).toBe('v-eval');
      expect(plan.EvalReceipt).toBe('receipt-1');
      expect(plan.Priority).toBe(50);
      expect(plan.Job).toBe(f.job);
      expect(plan.Eval.ID).toBe('v-eval');
      expect(plan.UpdateMessage).toBe('');
    });

    it('ignores pending, rejected, disconnected and requester nodes', () => {
      const requester = node('req');
      requester.Info.NodeType = 'Requester';
      const plan = schedule({
        job: job({ Type: type, Count: 1 }),
        nodes: [
          node('pending', { membership: 'PENDING' }),
          node('rejected', { membership: 'REJECTED' }),
          node('gone', { connection: 'DISCONNECTED' }),
          requester,
          node('ok'),
        ],
      });
      expect(created(plan)).toEqual(['ok#0 Pending/New']);
    });

    it('leaves executions that are waiting for their bids alone', () => {
      const plan = schedule({
        job: job({ Type: type, Count: 2, state: 'Running' }),
        executions: [
          exec('node0', 'AskForBid', { partition: 0 }),
          exec('node1', 'BidAccepted', { partition: 1 }),
        ],
        nodes: numberedNodes(3),
      });
      expect(isEmptyPlan(plan)).toBe(true);
    });

    it('accepts `now` as a Date', () => {
      const f = { job: job({ Type: type }), nodes: nodes('node0') };
      const a = schedule(f);
      const b = schedule({ ...f, now: new Date(NOW) });
      expect(b).toEqual(a);
    });

    it('is pure: it neither mutates nor depends on mutating its input', () => {
      const f: InputFixture = {
        job: job({ Type: type, Count: 3, state: 'Running', timeouts: { QueueTimeout: 600 } }),
        executions: [
          exec('node0', 'AskForBidAccepted', { partition: 0 }),
          exec('node1', 'Failed', { partition: 1 }),
          exec('gone', 'Running', { partition: 2 }),
        ],
        nodes: numberedNodes(2),
      };
      const before = structuredClone(input(f));
      const frozen = deepFreeze(input(f));
      const plan = new BatchServiceJobScheduler(testOptions()).process(frozen);
      expect(input(f)).toEqual(before);
      expect(plan).toEqual(schedule(f));
    });

    it('refuses an evaluation of another job', () => {
      const i = input({ job: job({ Type: type }) });
      const scheduler = new BatchServiceJobScheduler(testOptions());
      expect(() => scheduler.process({ ...i, job: { ...i.job, ID: 'j-other' } })).toThrow(BacalhauError);
      expect(() => scheduler.process({ ...i, job: { ...i.job, ID: 'j-other' } })).toThrow(
        'evaluation v-eval is for job j-1, not j-other',
      );
    });
  });

  describe('approval per partition', () => {
    it('approves the oldest accepted bid and rejects the other bids; the job starts running', () => {
      const newer = exec('node1', 'AskForBidAccepted', { partition: 0, modified: NOW_NS - secondsNs(5) });
      const older = exec('node0', 'AskForBidAccepted', { partition: 0, modified: NOW_NS - secondsNs(10) });
      const running = exec('node2', 'BidAccepted', { partition: 1 });
      const plan = schedule({
        job: job({ Type: type, Count: 2 }),
        executions: [newer, older, running],
        nodes: numberedNodes(3),
      });

      expect(updates(plan)).toEqual([
        `${older.ID} → Running/BidAccepted: Running`,
        `${newer.ID} → Stopped/BidRejected: ${nodeRejected}`,
      ]);
      expect(plan.UpdatedExecutions.get(older.ID)?.Execution).toBe(older);
      expect(plan.ExecutionEvents.get(older.ID)).toEqual([
        { Message: 'Running', Topic: 'Execution', Timestamp: TIMESTAMP },
      ]);
      expect(plan.DesiredJobState).toBe('Running');
      expect(plan.JobEvents).toEqual([
        { Message: 'Running', Topic: 'State Update', Timestamp: TIMESTAMP, Details: { NewState: 'Running' } },
      ]);
      expect(created(plan)).toEqual([]);
    });

    it.each<[JobStateType, JobStateType]>([
      ['Pending', 'Running'],
      ['Queued', 'Running'],
      ['Running', 'Undefined'],
    ])('a %s job with an approved execution → desired job state %s', (state, desired) => {
      const plan = schedule({
        job: job({ Type: type, state }),
        executions: [exec('node0', 'AskForBidAccepted')],
        nodes: nodes('node0'),
      });
      expect(plan.DesiredJobState).toBe(desired);
      expect(plan.JobEvents.length).toBe(desired === 'Running' ? 1 : 0);
    });

    it('keeps the oldest execution desired Running and stops the surplus of the partition', () => {
      const kept = exec('node0', 'BidAccepted', { partition: 0, modified: NOW_NS - secondsNs(10) });
      const second = exec('node1', 'Running', { partition: 0, modified: NOW_NS - secondsNs(5) });
      const waiting = exec('node2', 'AskForBid', { partition: 0, modified: NOW_NS - secondsNs(3) });
      const bid = exec('node3', 'AskForBidAccepted', { partition: 0, modified: NOW_NS - secondsNs(1) });
      const plan = schedule({
        job: job({ Type: type, Count: 1, state: 'Running' }),
        executions: [bid, waiting, second, kept],
        nodes: numberedNodes(4),
      });
      expect(updates(plan)).toEqual([
        `${bid.ID} → Stopped/BidRejected: ${nodeRejected}`,
        `${second.ID} → Stopped/Cancelled: ${moreThanNeeded}`,
        `${waiting.ID} → Stopped/Cancelled: ${moreThanNeeded}`,
      ]);
      expect(created(plan)).toEqual([]);
      expect(plan.DesiredJobState).toBe('Undefined');
    });

    it('handles partitions independently (Count > 1)', () => {
      const executions = [
        exec('node0', 'AskForBidAccepted', { partition: 0 }),
        exec('node1', 'AskForBidAccepted', { partition: 1, modified: NOW_NS - 2 }),
        exec('node2', 'AskForBidAccepted', { partition: 1, modified: NOW_NS - 1 }),
        exec('node3', 'Running', { partition: 2 }),
      ];
      const plan = schedule({
        job: job({ Type: type, Count: 4, state: 'Running' }),
        executions,
        nodes: numberedNodes(5),
      });
      expect(updates(plan)).toEqual([
        `${executions[0]?.ID} → Running/BidAccepted: Running`,
        `${executions[1]?.ID} → Running/BidAccepted: Running`,
        `${executions[2]?.ID} → Stopped/BidRejected: ${nodeRejected}`,
      ]);
      // Partition 3 had nothing: placed on the one node without an execution.
      expect(created(plan)).toEqual(['node4#3 Pending/New']);
    });
  });

  describe('stop', () => {
    it.each<JobStateType>(['Stopped', 'Completed', 'Failed'])(
      'cancels every live execution of a %s job and decides nothing else',
      (state) => {
        const executions = [
          exec('node0', 'AskForBid', { partition: 0 }),
          exec('node1', 'BidAccepted', { partition: 1 }),
          exec('node2', 'Completed', { partition: 2 }),
          exec('node3', 'Failed', { partition: 3 }),
        ];
        const plan = schedule({
          job: job({ Type: type, Count: 5, state, timeouts: { TotalTimeout: 1 } }),
          executions,
          // node1 is gone: a stopped job's executions are cancelled, not failed.
          nodes: [node('node0'), node('node1', { connection: 'DISCONNECTED' }), ...numberedNodes(3, 5)],
        });
        expect(updates(plan)).toEqual([
          `${executions[0]?.ID} → Stopped/Cancelled: ${stoppedByJobStop}`,
          `${executions[1]?.ID} → Stopped/Cancelled: ${stoppedByJobStop}`,
        ]);
        expect(plan.ExecutionEvents.get(executions[0]?.ID ?? '')).toEqual([
          { Message: stoppedByJobStop, Topic: 'Scheduling', Timestamp: TIMESTAMP },
        ]);
        expect(created(plan)).toEqual([]);
        expect(plan.NewEvaluations).toEqual([]);
        expect(plan.DesiredJobState).toBe('Undefined');
        expect(plan.JobEvents).toEqual([]);
      },
    );
  });

  describe('node loss', () => {
    it('fails executions on unknown or disconnected nodes and places their partitions elsewhere', () => {
      const unknown = exec('node0', 'AskForBid', { partition: 0 });
      const disconnected = exec('node1', 'BidAccepted', { partition: 1 });
      const healthy = exec('node2', 'BidAccepted', { partition: 2 });
      const plan = schedule({
        job: job({ Type: type, Count: 3, state: 'Running' }),
        executions: [unknown, disconnected, healthy],
        nodes: [node('node1', { connection: 'DISCONNECTED' }), ...nodes('node2', 'node3', 'node4')],
      });
      expect(updates(plan)).toEqual([
        `${unknown.ID} → Stopped/Failed: ${nodeDisappeared}`,
        `${disconnected.ID} → Stopped/Failed: ${nodeDisappeared}`,
      ]);
      expect(created(plan)).toEqual(['node3#0 Pending/New', 'node4#1 Pending/New']);
      expect(plan.DesiredJobState).toBe('Undefined');
    });

    it('says so when an operator rejected the node (disconnected with it)', () => {
      const running = exec('node0', 'Running');
      const plan = schedule({
        job: job({ Type: type, state: 'Running' }),
        executions: [running],
        nodes: [node('node0', { membership: 'REJECTED', connection: 'DISCONNECTED' }), ...nodes('node1')],
      });
      expect(updates(plan)).toEqual([
        `${running.ID} → Stopped/Failed: Execution stop requested because node has been rejected`,
      ]);
    });

    it('a node that is connected but no longer approved still counts as healthy', () => {
      const plan = schedule({
        job: job({ Type: type, state: 'Running' }),
        executions: [exec('node0', 'Running')],
        nodes: [node('node0', { membership: 'PENDING' })],
      });
      expect(isEmptyPlan(plan)).toBe(true);
    });

    it('fails the job once no node is left and the queue timeout has passed', () => {
      const executions = [
        exec('node0', 'AskForBid', { partition: 0 }),
        exec('node1', 'BidAccepted', { partition: 1 }),
        exec('node2', 'Completed', { partition: 2 }),
      ];
      const plan = schedule({ job: job({ Type: type, Count: 3, state: 'Running' }), executions, nodes: [] });
      expect(plan.DesiredJobState).toBe('Failed');
      expect(updates(plan)).toEqual([
        `${executions[0]?.ID} → Stopped/Failed: ${nodeDisappeared}`,
        `${executions[1]?.ID} → Stopped/Failed: ${nodeDisappeared}`,
      ]);
      const requested = type === 'batch' ? 2 : 3;
      expect(plan.UpdateMessage).toBe(
        `not enough nodes to run job. requested: ${requested}, available: 0, suitable: 0.\n` +
          `• Last failure (execution ${executions[0]?.ID} on node node0): ${nodeDisappeared}`,
      );
    });

    it('leaves no approval in the history of a bid the failure for want of nodes stopped', () => {
      const bid = exec('node0', 'AskForBidAccepted', { partition: 0 });
      const plan = schedule({ job: job({ Type: type, Count: 2 }), executions: [bid], nodes: nodes('node0') });
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.ExecutionEvents.get(bid.ID)?.map((e) => e.Message)).toEqual([
        'Execution stopped due to job failure',
      ]);
    });

    it('says how many lost partitions wait for a node while the others run (Bacalhau says nothing)', () => {
      const lost = [0, 1].map((partition) => exec('node0', 'Running', { partition }));
      const running = exec('node1', 'Running', { partition: 2 });
      const plan = schedule({
        job: job({ Type: type, Count: 3, state: 'Running', timeouts: { QueueTimeout: 600 } }),
        executions: [...lost, running],
        nodes: [node('node0', { connection: 'DISCONNECTED' }), ...nodes('node1')],
      });
      expect(updates(plan)).toEqual(lost.map((e) => `${e.ID} → Stopped/Failed: ${nodeDisappeared}`));
      expect(created(plan)).toEqual([]);
      expect(newEvals(plan).map((e) => e.TriggeredBy)).toEqual(['job-queue']);
      expect(plan.DesiredJobState).toBe('Undefined');
      expect(jobEvents(plan)).toEqual([
        'Queueing: Queued 2 partitions to run again. not enough nodes to run job. requested: 2, available: 1, suitable: 0.\n' +
          '• Node node1: job rejected',
      ]);

      // the queue's next look finds the same: nothing more to say
      const later = schedule({
        job: job({ Type: type, Count: 3, state: 'Running', timeouts: { QueueTimeout: 600 } }),
        trigger: 'job-queue',
        executions: [...lost.map((e) => ({ ...e, ComputeState: { StateType: 'Failed' as const } })), running],
        nodes: [node('node0', { connection: 'DISCONNECTED' }), ...nodes('node1')],
      });
      expect(newEvals(later).map((e) => e.TriggeredBy)).toEqual(['job-queue']);
      expect(jobEvents(later)).toEqual([]);
    });

    it('says how to approve the nodes that wait for approval when it fails for want of nodes', () => {
      const plan = schedule({ job: job({ Type: type }), nodes: [node('node0', { membership: 'PENDING' })] });
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.UpdateMessage).toBe(
        'not enough nodes to run job. requested: 1, available: 0, suitable: 0.\n' +
          '• Node node0: not counted, it waits for approval: bacalhau node approve node0',
      );
    });
  });

  describe('retries', () => {
    it('places a failed partition again, preferring nodes that have not run the job', () => {
      const executions = [
        exec('node0', 'BidAccepted', { partition: 0 }),
        exec('node1', 'Failed', { partition: 1 }),
        exec('node2', 'BidAccepted', { partition: 2 }),
      ];
      const plan = schedule({
        job: job({ Type: type, Count: 3, state: 'Running' }),
        executions,
        nodes: numberedNodes(4),
      });
      expect(created(plan)).toEqual(['node3#1 Pending/New']);
      expect(updates(plan)).toEqual([]);
    });

    it('retries on the same node when it is the only one, but only once', () => {
      const once = schedule({
        job: job({ Type: type, state: 'Running' }),
        executions: [exec('node0', 'Failed', { id: 'e-a' })],
        nodes: nodes('node0'),
      });
      expect(created(once)).toEqual(['node0#0 Pending/New']);

      const twice = schedule({
        job: job({ Type: type, state: 'Running' }),
        executions: [exec('node0', 'Failed', { id: 'e-a' }), exec('node0', 'Failed', { id: 'e-b' })],
        nodes: nodes('node0'),
      });
      expect(created(twice)).toEqual([]);
      expect(twice.DesiredJobState).toBe('Failed');
      expect(twice.UpdateMessage).toBe(
        'not enough nodes to run job. requested: 1, available: 1, suitable: 0.\n' +
          '• Node node0: job already executed on this node more than once',
      );
    });

    it('says why the last execution failed when the job fails for it', () => {
      const plan = schedule({
        job: job({ Type: type, state: 'Running' }),
        executions: [
          exec('node0', 'Failed', { id: 'e-a', modified: NOW_NS - 2e9, message: 'image not found' }),
          exec('node0', 'Failed', { id: 'e-b', modified: NOW_NS - 1e9, message: 'exit status 2' }),
          exec('node0', 'Failed', { id: 'e-c', modified: NOW_NS - 3e9, message: 'no space left' }),
        ],
        nodes: nodes('node0'),
      });
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.UpdateMessage).toBe(
        'not enough nodes to run job. requested: 1, available: 1, suitable: 0.\n' +
          '• Node node0: job already executed on this node more than once\n' +
          '• Last failure (execution e-b on node node0): exit status 2',
      );
    });

    it("says why a node refused the bid when the job fails for it (Go says only 'job rejected')", () => {
      const reason = 'rejected bid: insufficient resources - requested: {CPU: 8}, available: {CPU: 2}';
      const plan = schedule({
        job: job({ Type: type, state: 'Running' }),
        executions: [exec('node0', 'AskForBidRejected', { id: 'e-a', message: reason })],
        nodes: nodes('node0'),
      });
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.UpdateMessage).toBe(
        'not enough nodes to run job. requested: 1, available: 1, suitable: 0.\n' +
          '• Node node0: job rejected\n' +
          `• Last failure (execution e-a on node node0): ${reason}`,
      );
    });

    it('cites no failure of an older job version, nor one that does not say why', () => {
      const plan = schedule(
        {
          job: job({ Type: type, state: 'Running', Version: 2 }),
          executions: [
            exec('node0', 'Failed', { id: 'e-old', version: 1, message: 'from version 1' }),
            exec('node1', 'Failed', { id: 'e-new', version: 2 }),
          ],
          nodes: nodes('node0', 'node1'),
        },
        { retryStrategy: { shouldRetry: () => false } },
      );
      expect(plan.UpdateMessage).toBe('Job failed because it has been retried too many times');
    });

    it('a bid rejected by a node is not retried there', () => {
      const plan = schedule({
        job: job({ Type: type, state: 'Running' }),
        executions: [exec('node0', 'AskForBidRejected')],
        nodes: nodes('node0', 'node1'),
      });
      expect(created(plan)).toEqual(['node1#0 Pending/New']);
    });

    it('fails the job when the retry strategy refuses, cancelling what still runs', () => {
      const seen: RetryRequest[] = [];
      const strategy = { shouldRetry: vi.fn((r: RetryRequest) => (seen.push(r), false)) };
      const failed = exec('node0', 'Failed', { partition: 0 });
      const running = exec('node1', 'BidAccepted', { partition: 1 });
      const lost = exec('gone', 'AskForBid', { partition: 2 });
      const plan = schedule(
        {
          job: job({ Type: type, Count: 3, state: 'Running' }),
          executions: [failed, running, lost],
          nodes: numberedNodes(3),
        },
        { retryStrategy: strategy },
      );
      expect(plan.DesiredJobState).toBe('Failed');
      // the lost execution failed last: now, in this plan
      const message =
        'Job failed because it has been retried too many times\n' +
        `• Last failure (execution ${lost.ID} on node gone): ${nodeDisappeared}`;
      expect(plan.UpdateMessage).toBe(message);
      expect(jobEvents(plan)).toEqual([`Scheduling: ${message}`]);
      expect(updates(plan)).toEqual([
        `${lost.ID} → Stopped/Failed: ${nodeDisappeared}`,
        `${running.ID} → Stopped/Cancelled: ${dueToJobFailure}`,
      ]);
      expect(created(plan)).toEqual([]);
      expect(seen.map((r) => [r.jobID, r.failedExecutions.map((e) => e.ID)])).toEqual([
        ['j-1', [failed.ID, lost.ID]],
      ]);
    });

    it('does not ask the retry strategy when nothing failed or nothing is missing', () => {
      const strategy = { shouldRetry: vi.fn(() => false) };
      schedule({ job: job({ Type: type }), nodes: nodes('node0') }, { retryStrategy: strategy });
      schedule(
        {
          job: job({ Type: type, Count: 2, state: 'Running' }),
          executions: [exec('node0', 'Failed', { partition: 0 }), exec('node1', 'Running', { partition: 0 })],
          nodes: nodes('node0', 'node1'),
        },
        { retryStrategy: strategy },
      );
      expect(strategy.shouldRetry).toHaveBeenCalledTimes(1);
      expect(
        schedule(
          {
            job: job({ Type: type, Count: 1, state: 'Running' }),
            executions: [exec('node0', 'Failed'), exec('node1', 'Running')],
            nodes: nodes('node0', 'node1'),
          },
          { retryStrategy: fixedRetryStrategy(false) },
        ).DesiredJobState,
      ).toBe('Undefined');
    });
  });

  describe('not enough nodes', () => {
    it('fails the job with the exact message when queueing is not allowed (QueueTimeout 0)', () => {
      const running = exec('node0', 'BidAccepted', { partition: 0 });
      const plan = schedule({
        job: job({ Type: type, Count: 3, state: 'Running' }),
        executions: [running],
        nodes: [node('node0'), node('node1'), wasmOnlyNode('nodeW')],
      });
      const message =
        'not enough nodes to run job. requested: 2, available: 3, suitable: 1.\n' +
        '• Node node0: job rejected\n' +
        '• Node nodeW: does not support docker, only wasm';
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.UpdateMessage).toBe(message);
      expect(plan.JobEvents).toEqual([
        {
          Message: message,
          Topic: 'Scheduling',
          Timestamp: TIMESTAMP,
          Details: { IsError: 'true', NodesRequested: '2', NodesAvailable: '3', NodesSuitable: '1' },
        },
      ]);
      expect(updates(plan)).toEqual([`${running.ID} → Stopped/Cancelled: ${dueToJobFailure}`]);
      expect(created(plan)).toEqual([]);
      expect(plan.NewEvaluations).toEqual([]);
    });

    it('answers a Count far beyond the nodes with the message, without listing every partition', () => {
      const plan = schedule({ job: job({ Type: type, Count: 1e12 }), nodes: [node('node0'), node('node1')] });
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.UpdateMessage).toBe(
        'not enough nodes to run job. requested: 1000000000000, available: 2, suitable: 2.',
      );
      expect(created(plan)).toEqual([]);
    });

    it('marks the failure retryable when a node may become suitable by itself', () => {
      const busy = node('node0', { maxJobRequirements: { CPU: 0.5, Memory: 16e9, Disk: 100e9 } });
      const plan = schedule({ job: job({ Type: type }), nodes: [busy] });
      expect(plan.DesiredJobState).toBe('Failed');
      expect(plan.JobEvents[0]?.Details).toMatchObject({ IsError: 'true', Retryable: 'true' });
    });

    it('queues a new job that no node matches: job-queue evaluation and job Queued', () => {
      const plan = schedule({
        job: job({ Type: type, timeouts: { QueueTimeout: 600 } }),
        nodes: [wasmOnlyNode('nodeW')],
      });
      const reason =
        'not enough nodes to run job. requested: 1, available: 1, suitable: 0.\n' +
        '• Node nodeW: does not support docker, only wasm';
      expect(plan.DesiredJobState).toBe('Queued');
      expect(plan.UpdateMessage).toBe(`Job queued. ${reason}`);
      expect(plan.JobEvents).toEqual([
        { Message: `Job queued. ${reason}`, Topic: 'Queueing', Timestamp: TIMESTAMP },
      ]);
      expect(plan.NewEvaluations).toEqual([
        {
          ID: 'v-1',
          Namespace: 'default',
          JobID: 'j-1',
          TriggeredBy: 'job-queue',
          Priority: 50,
          Type: type,
          Status: 'pending',
          Comment: reason,
          WaitUntil: '2024-01-01T00:01:00Z',
          CreateTime: NOW_NS,
          ModifyTime: NOW_NS,
        },
      ]);
      expect(created(plan)).toEqual([]);
    });

    it.each<[JobStateType, string, JobStateType]>([
      ['Pending', 'job-register', 'Queued'],
      ['Running', 'exec-update', 'Queued'],
      ['Running', 'node-leave', 'Queued'],
      // Go leaves an update or rerun Pending; it waits in the queue as a new job does
      ['Pending', 'job-update', 'Queued'],
      ['Pending', 'job-rerun', 'Queued'],
      ['Pending', 'job-queue', 'Queued'],
      // said once: a Queued job stays so at its retries
      ['Queued', 'job-queue', 'Undefined'],
    ])('with no matching node, a %s job evaluated for %s → desired state %s', (state, trigger, desired) => {
      const plan = schedule({
        job: job({ Type: type, state, timeouts: { QueueTimeout: 600 } }),
        trigger,
        nodes: [],
      });
      expect(plan.DesiredJobState).toBe(desired);
      expect(newEvals(plan)).toEqual([
        {
          TriggeredBy: 'job-queue',
          WaitUntil: '2024-01-01T00:01:00Z',
          Comment: 'not enough nodes to run job. requested: 1, available: 0, suitable: 0.',
        },
      ]);
    });

    it('with some nodes matching: executions on those, a job-queue evaluation, job not queued', () => {
      const plan = schedule({
        job: job({ Type: type, Count: 3, timeouts: { QueueTimeout: 600 } }),
        nodes: numberedNodes(2),
      });
      expect(created(plan)).toEqual(['node0#0 Pending/New', 'node1#1 Pending/New']);
      expect(newEvals(plan)).toEqual([
        {
          TriggeredBy: 'job-queue',
          WaitUntil: '2024-01-01T00:01:00Z',
          Comment: 'not enough nodes to run job. requested: 3, available: 2, suitable: 2.',
        },
      ]);
      expect(plan.DesiredJobState).toBe('Undefined');
      expect(plan.JobEvents).toEqual([]);
    });

    it('stays Running while some partitions run and no node is free for the others', () => {
      const running = exec('node0', 'Running', { partition: 0 });
      const plan = schedule({
        job: job({ Type: type, Count: 2, state: 'Running', timeouts: { QueueTimeout: 600 } }),
        trigger: 'exec-update',
        executions: [running],
        nodes: numberedNodes(1),
      });
      expect(created(plan)).toEqual([]);
      expect(newEvals(plan).map((e) => e.TriggeredBy)).toEqual(['job-queue']);
      expect(plan.DesiredJobState).toBe('Undefined');
      expect(plan.JobEvents).toEqual([]);
    });

    it('queues while approving what already bid (some partitions running)', () => {
      const bid = exec('node0', 'AskForBidAccepted', { partition: 0 });
      const plan = schedule(
        {
          job: job({ Type: type, Count: 3, timeouts: { QueueTimeout: 3600 } }),
          executions: [bid],
          nodes: numberedNodes(2),
        },
        { queueBackoffMs: 5_000 },
      );
      expect(updates(plan)).toEqual([`${bid.ID} → Running/BidAccepted: Running`]);
      expect(created(plan)).toEqual(['node1#1 Pending/New']);
      expect(newEvals(plan).map((e) => [e.TriggeredBy, e.WaitUntil])).toEqual([
        ['job-queue', '2024-01-01T00:00:05Z'],
      ]);
      expect(plan.DesiredJobState).toBe('Running');
    });

    it.each([
      ['queues before the queue timeout has passed', 599, 'Queued'],
      ['queues when exactly at the queue timeout', 600, 'Queued'],
      ['fails once the queue timeout has passed since the job was created', 601, 'Failed'],
    ])('%s', (_name, ageSeconds, desired) => {
      const plan = schedule({
        job: job({ Type: type, CreateTime: NOW_NS - secondsNs(ageSeconds), timeouts: { QueueTimeout: 600 } }),
        nodes: [],
      });
      expect(plan.DesiredJobState).toBe(desired);
      expect(plan.NewEvaluations.length).toBe(desired === 'Queued' ? 1 : 0);
    });

    it('looks again just past the queue timeout when that comes before the next backoff', () => {
      const plan = schedule({
        job: job({ Type: type, CreateTime: NOW_NS - secondsNs(60), timeouts: { QueueTimeout: 90 } }),
        nodes: [],
      });
      expect(newEvals(plan).map((e) => [e.TriggeredBy, e.WaitUntil])).toEqual([
        ['job-queue', '2024-01-01T00:00:30.001Z'],
      ]);
    });

    it('counts the queue timeout of a rerun or update from when that version was submitted', () => {
      const plan = schedule({
        job: job({
          Type: type,
          Version: 2,
          CreateTime: NOW_NS - secondsNs(601),
          timeouts: { QueueTimeout: 600 },
        }),
        trigger: 'job-rerun',
        versionSubmitTime: NOW_NS - secondsNs(10),
        nodes: [],
      });
      expect(newEvals(plan).map((e) => e.TriggeredBy)).toEqual(['job-queue']);
      expect(plan.DesiredJobState).not.toBe('Failed');
    });
  });

  describe('job update', () => {
    it('cancels executions of older versions and places the new version', () => {
      const pending = exec('node0', 'AskForBid', { partition: 0, version: 1 });
      const running = exec('node1', 'Running', { partition: 1, version: 1 });
      const bid = exec('node2', 'AskForBidAccepted', { partition: 0, version: 1, desired: 'Pending' });
      const done = exec('node3', 'Completed', { partition: 0, version: 1 });
      const plan = schedule({
        job: job({ Type: type, Count: 2, Version: 2, state: 'Pending' }),
        trigger: 'job-update',
        executions: [pending, running, bid, done],
        nodes: numberedNodes(4),
      });
      expect(updates(plan)).toEqual([
        `${pending.ID} → Stopped/Cancelled: ${forJobUpdate}`,
        `${bid.ID} → Stopped/Cancelled: ${forJobUpdate}`,
        `${running.ID} → Stopped/Cancelled: ${forJobUpdate}`,
      ]);
      // Old versions do not count against the new one: every node is fresh for version 2.
      expect(created(plan)).toEqual(['node0#0 Pending/New', 'node1#1 Pending/New']);
      expect(plan.NewExecutions.map((e) => e.JobVersion)).toEqual([2, 2]);
      expect(plan.DesiredJobState).toBe('Undefined');
    });

    it('cancels running old-version executions oldest first, up to the rate limit', () => {
      const old = [0, 1, 2].map((p) =>
        exec(`node${p}`, 'Running', { partition: p, version: 1, modified: NOW_NS - secondsNs(10 - p) }),
      );
      const plan = schedule(
        {
          job: job({ Type: type, Count: 3, Version: 2, state: 'Pending' }),
          trigger: 'job-update',
          executions: [...old].reverse(),
          nodes: numberedNodes(6),
        },
        { maxExecutionsPerEval: 2 },
      );
      expect(updates(plan)).toEqual([
        `${old[0]?.ID} → Stopped/Cancelled: ${forJobUpdate}`,
        `${old[1]?.ID} → Stopped/Cancelled: ${forJobUpdate}`,
      ]);
      expect(newEvals(plan)).toEqual([
        {
          TriggeredBy: 'exec-limit',
          WaitUntil: '2024-01-01T00:00:00.1Z',
          Comment: 'Creating delayed evaluation to schedule remaining 1 executions after reaching limit of 2',
        },
      ]);
      // The old execution left running still holds partition 2 until a later evaluation cancels it.
      expect(created(plan)).toEqual(['node0#0 Pending/New', 'node1#1 Pending/New']);
    });
  });

  describe('rate limiting', () => {
    it('creates at most 20 executions per evaluation and asks for an exec-limit evaluation', () => {
      const plan = schedule({ job: job({ Type: type, Count: 25 }), nodes: numberedNodes(25) });
      expect(plan.NewExecutions.map((e) => e.PartitionIndex)).toEqual([...Array(20).keys()]);
      expect(plan.NewEvaluations).toEqual([
        {
          ID: 'v-1',
          Namespace: 'default',
          JobID: 'j-1',
          TriggeredBy: 'exec-limit',
          Priority: 50,
          Type: type,
          Status: 'pending',
          Comment:
            'Creating delayed evaluation to schedule remaining 5 executions after reaching limit of 20',
          WaitUntil: '2024-01-01T00:00:00.1Z',
          CreateTime: NOW_NS,
          ModifyTime: NOW_NS,
        },
      ]);
    });

    it('the follow-up evaluation places the rest', () => {
      const executions = [...Array(20).keys()].map((p) => exec(`node${p}`, 'AskForBid', { partition: p }));
      const plan = schedule({
        job: job({ Type: type, Count: 25, state: 'Pending' }),
        trigger: 'exec-limit',
        executions,
        nodes: numberedNodes(25),
      });
      expect(created(plan)).toEqual([20, 21, 22, 23, 24].map((i) => `node${i}#${i} Pending/New`));
      expect(plan.NewEvaluations).toEqual([]);
    });

    it.each([
      [0, 25, 0],
      [-1, 25, 0],
      [5, 5, 1],
    ])('maxExecutionsPerEval %d → %d executions, %d evaluations', (max, executions, evaluations) => {
      const plan = schedule(
        { job: job({ Type: type, Count: 25 }), nodes: numberedNodes(25) },
        { maxExecutionsPerEval: max, executionLimitBackoffMs: 5_000 },
      );
      expect(plan.NewExecutions.length).toBe(executions);
      expect(newEvals(plan).map((e) => e.WaitUntil)).toEqual(
        evaluations === 0 ? [] : ['2024-01-01T00:00:05Z'],
      );
    });
  });
});

describe('BatchServiceJobScheduler (batch only)', () => {
  it('completes the job when every partition has a Completed execution', () => {
    const plan = schedule({
      job: job({ Count: 3, state: 'Running' }),
      executions: [0, 1, 2].map((p) => exec(`node${p}`, 'Completed', { partition: p })),
      nodes: numberedNodes(3),
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
    expect(updates(plan)).toEqual([]);
    expect(created(plan)).toEqual([]);
  });

  it('queues a job whose placed partitions all completed while no node is free for the rest: nothing runs', () => {
    const plan = schedule({
      job: job({ Count: 2, state: 'Running', timeouts: { QueueTimeout: 600 } }),
      trigger: 'exec-update',
      executions: [exec('node0', 'Completed', { partition: 0, desired: 'Stopped' })],
      nodes: numberedNodes(1),
    });
    const reason =
      'not enough nodes to run job. requested: 1, available: 1, suitable: 0.\n• Node node0: job rejected';
    expect(created(plan)).toEqual([]);
    expect(newEvals(plan).map((e) => [e.TriggeredBy, e.Comment])).toEqual([['job-queue', reason]]);
    expect(plan.DesiredJobState).toBe('Queued');
    expect(plan.JobEvents).toEqual([
      { Message: `Job queued. ${reason}`, Topic: 'Queueing', Timestamp: TIMESTAMP },
    ]);
  });

  it('completes a job with Count 0 at once', () => {
    const plan = schedule({ job: job({ Count: 0 }), nodes: [] });
    expect(plan.DesiredJobState).toBe('Completed');
    expect(jobEvents(plan)).toEqual(['State Update: Completed']);
    expect(plan.NewEvaluations).toEqual([]);
  });

  it('stops the surplus of a completed partition and completes', () => {
    const bid = exec('node1', 'AskForBidAccepted');
    const asking = exec('node2', 'AskForBid');
    const plan = schedule({
      job: job({ state: 'Running' }),
      executions: [exec('node0', 'Completed'), bid, asking],
      nodes: numberedNodes(3),
    });
    expect(updates(plan)).toEqual([
      `${bid.ID} → Stopped/BidRejected: ${nodeRejected}`,
      `${asking.ID} → Stopped/Cancelled: ${moreThanNeeded}`,
    ]);
    expect(plan.DesiredJobState).toBe('Completed');
  });

  it('does not complete while a partition is unfinished, nor with completions of an older version', () => {
    const partial = schedule({
      job: job({ Count: 2, state: 'Running' }),
      executions: [exec('node0', 'Completed', { partition: 0 }), exec('node1', 'Running', { partition: 1 })],
      nodes: numberedNodes(2),
    });
    expect(isEmptyPlan(partial)).toBe(true);

    const updated = schedule({
      job: job({ Count: 1, Version: 2, state: 'Pending' }),
      executions: [exec('node0', 'Completed', { version: 1 })],
      nodes: numberedNodes(1),
    });
    expect(updated.DesiredJobState).toBe('Undefined');
    expect(created(updated)).toEqual(['node0#0 Pending/New']);
  });

  it('counts the total timeout of a rerun or update from when that version was submitted', () => {
    const plan = schedule({
      job: job({ Version: 2, CreateTime: NOW_NS - secondsNs(3601), timeouts: { TotalTimeout: 3600 } }),
      trigger: 'job-rerun',
      versionSubmitTime: NOW_NS - secondsNs(60),
      nodes: numberedNodes(1),
    });
    expect(plan.DesiredJobState).not.toBe('Failed');
    expect(created(plan)).toEqual(['node0#0 Pending/New']);
  });

  it('fails the job past its total timeout (Job Timeout event) and cancels what still runs', () => {
    const running = exec('node0', 'BidAccepted', { partition: 0 });
    const bid = exec('node1', 'AskForBidAccepted', { partition: 1 });
    const plan = schedule({
      job: job({
        Count: 3,
        state: 'Running',
        CreateTime: NOW_NS - secondsNs(3601),
        timeouts: { TotalTimeout: 3600, QueueTimeout: 3000 },
      }),
      executions: [running, bid, exec('node2', 'Completed', { partition: 2 })],
      nodes: numberedNodes(5),
    });
    expect(plan.DesiredJobState).toBe('Failed');
    expect(plan.UpdateMessage).toBe('Job timed out. Job took longer than 1h0m0s');
    expect(plan.JobEvents).toEqual([
      {
        Message: 'Job timed out. Job took longer than 1h0m0s',
        Topic: 'Job Timeout',
        Timestamp: TIMESTAMP,
        Details: {
          IsError: 'true',
          Hint: 'Increase the task timeout or allocate more resources',
          FailsExecution: 'true',
        },
      },
    ]);
    expect(updates(plan)).toEqual([
      `${running.ID} → Stopped/Cancelled: ${dueToJobFailure}`,
      `${bid.ID} → Stopped/Cancelled: ${dueToJobFailure}`,
    ]);
    // Nothing approved, created or queued for a failed job.
    expect(plan.ExecutionEvents.get(bid.ID)?.map((e) => e.Message)).toEqual([dueToJobFailure]);
    expect(created(plan)).toEqual([]);
    expect(plan.NewEvaluations).toEqual([]);
  });

  it('does not time out exactly at the total timeout, nor without one', () => {
    for (const [timeouts, age] of [
      [{ TotalTimeout: 3600 }, 3600],
      [{}, 10 ** 6],
    ] as const) {
      const plan = schedule({
        job: job({ state: 'Running', CreateTime: NOW_NS - secondsNs(age), timeouts }),
        executions: [exec('node0', 'Running', { modified: NOW_NS - secondsNs(10) })],
        nodes: numberedNodes(1),
      });
      expect(isEmptyPlan(plan)).toBe(true);
    }
  });

  it.each(['BidAccepted', 'Running', 'Publishing'] as const)(
    'fails a %s execution idle for longer than the execution timeout and places it again',
    (state) => {
      const expired = exec('node0', state, { partition: 0, modified: NOW_NS - secondsNs(601) });
      const fresh = exec('node1', state, { partition: 1, modified: NOW_NS - secondsNs(599) });
      const plan = schedule({
        job: job({ Count: 2, state: 'Running', timeouts: { ExecutionTimeout: 600 } }),
        executions: [expired, fresh],
        nodes: numberedNodes(3),
      });
      expect(updates(plan)).toEqual([
        `${expired.ID} → Stopped/Failed: Execution timed out. Execution took longer than 10m0s`,
      ]);
      expect(plan.ExecutionEvents.get(expired.ID)).toEqual([
        {
          Message: 'Execution timed out. Execution took longer than 10m0s',
          Topic: 'Exec Timeout',
          Timestamp: TIMESTAMP,
          Details: {
            IsError: 'true',
            Hint: 'Increase the task timeout or allocate more resources',
            FailsExecution: 'true',
          },
        },
      ]);
      // node0 still shows the execution as alive in the store, so the retry goes to node2.
      expect(created(plan)).toEqual(['node2#0 Pending/New']);
      expect(plan.DesiredJobState).toBe('Undefined');
    },
  );

  it.each(['New', 'AskForBid', 'AskForBidAccepted'] as const)(
    'never times out a %s execution (not executing yet)',
    (state) => {
      const plan = schedule({
        job: job({ state: 'Running', timeouts: { ExecutionTimeout: 60 } }),
        executions: [exec('node0', state, { modified: NOW_NS - secondsNs(10_000) })],
        nodes: numberedNodes(1),
      });
      expect([...plan.UpdatedExecutions.values()].filter((u) => u.ComputeState === 'Failed')).toEqual([]);
    },
  );

  it('falls back to the total timeout for executions', () => {
    const expired = exec('node0', 'Running', { modified: NOW_NS - secondsNs(3601) });
    const plan = schedule({
      job: job({ state: 'Running', CreateTime: NOW_NS - secondsNs(60), timeouts: { TotalTimeout: 3600 } }),
      executions: [expired],
      nodes: numberedNodes(2),
    });
    expect(updates(plan)).toEqual([
      `${expired.ID} → Stopped/Failed: Execution timed out. Execution took longer than 1h0m0s`,
    ]);
    expect(created(plan)).toEqual(['node1#0 Pending/New']);
  });
});

describe('BatchServiceJobScheduler (service only)', () => {
  it('never completes: completed executions do not hold their partitions, which are placed again', () => {
    const plan = schedule({
      job: job({ Type: 'service', Count: 3, state: 'Running' }),
      executions: [
        exec('node0', 'Completed', { partition: 0 }),
        exec('node1', 'Completed', { partition: 1 }),
        exec('node2', 'AskForBid', { partition: 2 }),
      ],
      nodes: numberedNodes(5),
    });
    expect(plan.DesiredJobState).toBe('Undefined');
    expect(created(plan)).toEqual(['node3#0 Pending/New', 'node4#1 Pending/New']);
  });

  it('a service with Count 0 never completes either', () => {
    expect(isEmptyPlan(schedule({ job: job({ Type: 'service', Count: 0 }), nodes: [] }))).toBe(true);
  });

  it('has no total or execution timeout', () => {
    const plan = schedule({
      job: job({
        Type: 'service',
        state: 'Running',
        CreateTime: CREATED_NS - secondsNs(86_400),
        timeouts: { TotalTimeout: 60, ExecutionTimeout: 30 },
      }),
      executions: [exec('node0', 'Running', { modified: NOW_NS - secondsNs(86_400) })],
      nodes: numberedNodes(1),
    });
    expect(isEmptyPlan(plan)).toBe(true);
  });
});

describe('QueueTimeout 0 on a millisecond clock', () => {
  it('fails at once even when scheduled in the millisecond the job was created', () => {
    const j = { ...job(), CreateTime: NOW_NS };
    const plan = new BatchServiceJobScheduler(testOptions()).process({
      evaluation: evaluation(j),
      job: j,
      executions: [],
      nodes: [],
      now: NOW,
    });
    expect(plan.DesiredJobState).toBe('Failed');
    expect(plan.NewEvaluations).toEqual([]);
  });
});

describe('BatchServiceJobScheduler in a large cluster', () => {
  /** Frozen, as the worker's node cache hands out its list. */
  const cluster = (n: number): readonly NodeState[] => Object.freeze(numberedNodes(n));

  it('asks for one node per remaining partition and ranks a sample, not every node', () => {
    const selector = new RecordingSelector();
    const scheduler = new BatchServiceJobScheduler(testOptions({ selector }));
    const nodeList = cluster(1000);
    const plan = scheduler.process({
      ...input({
        job: job({ Count: 3, state: 'Running' }),
        executions: [exec('node500', 'Running', { partition: 1 })],
      }),
      nodes: nodeList,
    });
    expect(selector.requests.map((r) => r.want)).toEqual([2]);
    expect(selector.rankedPerCall).toEqual([20]);
    expect(plan.NewExecutions.map((e) => e.PartitionIndex)).toEqual([0, 2]);
    const placed = createdOn(plan);
    expect(new Set(placed).size).toBe(2);
    expect(placed).not.toContain('node500');
  });

  it('fails executions on unknown or disconnected nodes with a node list reused across evaluations', () => {
    const scheduler = new BatchServiceJobScheduler(testOptions());
    const j = job({ Count: 3, state: 'Running' });
    const executions = [
      exec('node0', 'Running', { partition: 0 }),
      exec('node1', 'Running', { partition: 1 }),
      exec('gone', 'Running', { partition: 2 }),
    ];
    const lost = (nodeList: readonly NodeState[]): string[] =>
      [...scheduler.process({ ...input({ job: j, executions }), nodes: nodeList }).UpdatedExecutions.values()]
        .filter((u) => u.Event.Message === nodeDisappeared)
        .map((u) => u.Execution.NodeID);
    const before = Object.freeze([...numberedNodes(1), node('node1', { connection: 'DISCONNECTED' })]);
    expect(lost(before)).toEqual(['node1', 'gone']);
    expect(lost(before)).toEqual(['node1', 'gone']);
    // The node cache hands out a new list once a node changes: node0 is now gone, node1 back.
    const after = Object.freeze([node('node0', { connection: 'DISCONNECTED' }), node('node1')]);
    expect(lost(after)).toEqual(['node0', 'gone']);
    expect(lost(before)).toEqual(['node1', 'gone']);
  });
});
