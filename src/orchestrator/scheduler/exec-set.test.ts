import { describe, expect, it } from 'vitest';
import { isTerminalExecution } from '../../models/index.js';
import type { ExecutionDesiredStateType, ExecutionStateType } from '../../models/index.js';
import {
  approvalDecision,
  byPartition,
  completedPartitions,
  difference,
  expiredExecutions,
  ordered,
  remainingPartitions,
  splitByCount,
  union,
} from './exec-set.js';
import { exec } from './testing.js';

const ids = (list: { ID: string }[]): string[] => list.map((e) => e.ID);

describe('isTerminalExecution', () => {
  it.each<[ExecutionStateType, ExecutionDesiredStateType, boolean]>([
    ['New', 'Pending', false],
    ['AskForBid', 'Pending', false],
    ['AskForBidAccepted', 'Pending', false],
    ['BidAccepted', 'Running', false],
    ['Running', 'Running', false],
    ['Publishing', 'Running', false],
    ['Running', 'Stopped', true],
    ['AskForBidRejected', 'Pending', true],
    ['BidRejected', 'Stopped', true],
    ['Completed', 'Running', true],
    ['Failed', 'Running', true],
    ['Cancelled', 'Stopped', true],
  ])('%s / desired %s → %s', (state, desired, terminal) => {
    expect(isTerminalExecution(exec('n', state, { desired }))).toBe(terminal);
  });
});

describe('approvalDecision (one partition)', () => {
  const at = (id: string, state: ExecutionStateType, modified: number, desired?: ExecutionDesiredStateType) =>
    exec('n', state, { id, modified, ...(desired === undefined ? {} : { desired }) });

  it.each([
    {
      name: 'approves the oldest accepted bid, rejects the other bids, leaves the rest waiting',
      partition: [
        at('b2', 'AskForBidAccepted', 20),
        at('b1', 'AskForBidAccepted', 10),
        at('w', 'AskForBid', 5),
        at('n', 'New', 1),
      ],
      expected: { approve: ['b1'], reject: ['b2'], cancel: [] },
    },
    {
      name: 'keeps the oldest desired-Running execution; rejects bids, cancels the others',
      partition: [
        at('r2', 'Running', 20),
        at('r1', 'BidAccepted', 10),
        at('w', 'AskForBid', 5),
        at('b', 'AskForBidAccepted', 30),
      ],
      expected: { approve: [], reject: ['b'], cancel: ['w', 'r2'] },
    },
    {
      name: 'a completed execution: bids rejected, every other live execution cancelled',
      partition: [
        at('c', 'Completed', 1),
        at('b', 'AskForBidAccepted', 2),
        at('r', 'Running', 3),
        at('f', 'Failed', 4),
      ],
      expected: { approve: [], reject: ['b'], cancel: ['r'] },
    },
    {
      name: 'terminal executions are ignored',
      partition: [at('x', 'BidRejected', 1), at('y', 'Cancelled', 2), at('b', 'AskForBidAccepted', 3)],
      expected: { approve: ['b'], reject: [], cancel: [] },
    },
    {
      name: 'nothing to decide',
      partition: [at('w', 'AskForBid', 1)],
      expected: { approve: [], reject: [], cancel: [] },
    },
  ])('$name', ({ partition, expected }) => {
    const decision = approvalDecision(partition);
    expect({
      approve: ids(decision.approve),
      reject: ids(decision.reject),
      cancel: ids(decision.cancel),
    }).toEqual(expected);
  });
});

describe('partitions', () => {
  const list = [
    exec('a', 'Running', { id: 'a', partition: 2 }),
    exec('b', 'Failed', { id: 'b', partition: 0 }),
    exec('c', 'Completed', { id: 'c', partition: 1 }),
    exec('d', 'AskForBid', { id: 'd', partition: 2 }),
  ];

  it('groups by partition in ascending order', () => {
    expect([...byPartition(list)].map(([p, l]) => [p, ids(l)])).toEqual([
      [0, ['b']],
      [1, ['c']],
      [2, ['a', 'd']],
    ]);
  });

  it('remaining partitions are those without a non-discarded execution', () => {
    expect(remainingPartitions(list, 4)).toEqual({ count: 2, lowest: [0, 3] });
    expect(remainingPartitions([], 3)).toEqual({ count: 3, lowest: [0, 1, 2] });
    expect(remainingPartitions(list, 0)).toEqual({ count: 0, lowest: [] });
    // executions of partitions beyond a lowered Count do not count
    expect(remainingPartitions(list, 2)).toEqual({ count: 1, lowest: [0] });
  });

  it('lists only the lowest `max` remaining partitions, however large the Count', () => {
    expect(remainingPartitions(list, 1e12, 3)).toEqual({ count: 1e12 - 2, lowest: [0, 3, 4] });
  });

  it('completed partitions', () => {
    expect([...completedPartitions(list)]).toEqual([1]);
  });
});

describe('set helpers', () => {
  const a = exec('a', 'Running', { id: 'a', modified: 30 });
  const b = exec('b', 'Running', { id: 'b', modified: 10 });
  const c = exec('c', 'Running', { id: 'c', modified: 20 });

  it('orders oldest first, stable for equal times', () => {
    const d = exec('d', 'Running', { id: 'd', modified: 10 });
    expect(ids(ordered([a, b, c, d]))).toEqual(['b', 'd', 'c', 'a']);
  });

  it('splits by count, oldest first', () => {
    const [first, rest] = splitByCount([a, b, c], 2);
    expect([ids(first), ids(rest)]).toEqual([['b', 'c'], ['a']]);
    expect(splitByCount([a], 0).map(ids)).toEqual([[], ['a']]);
    expect(splitByCount([a], 5).map(ids)).toEqual([['a'], []]);
  });

  it('union keeps each ID once, the second copy winning; difference by ID', () => {
    const a2 = { ...a, NodeID: 'other' };
    const u = union([a, b], [a2, c]);
    expect(ids(u)).toEqual(['a', 'b', 'c']);
    expect(u[0]?.NodeID).toBe('other');
    expect(ids(difference([a, b, c], [b]))).toEqual(['a', 'c']);
  });

  it('expired executions: executing and modified strictly before the limit', () => {
    const list = [
      exec('n', 'BidAccepted', { id: 'old', modified: 5 }),
      exec('n', 'Running', { id: 'edge', modified: 10 }),
      exec('n', 'AskForBidAccepted', { id: 'bid', modified: 1 }),
    ];
    expect(expiredExecutions(list, 10).map(ids)).toEqual([['old'], ['edge', 'bid']]);
  });
});
