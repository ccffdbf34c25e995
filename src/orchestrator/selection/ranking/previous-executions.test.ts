import { describe, expect, it } from 'vitest';
import type { ExecutionStateType } from '../../../models/index.js';
import { computeNode, execution, job } from '../testing.js';
import { NodeShutDownFailEvent } from '../../../transport/messages.js';
import { NodeLostStopMessage, NodeShutdownStopMessage } from '../../events.js';
import { PreviousExecutionsNodeRanker } from './previous-executions.js';

const rank = (states: ExecutionStateType[], over = {}) =>
  new PreviousExecutionsNodeRanker().rankNodes(job(), [computeNode('n')], {
    executions: states.map((s, i) => execution('n', s, { ID: `e-${i}`, ...over })),
  })[0];

describe('PreviousExecutionsNodeRanker', () => {
  it.each<[ExecutionStateType[], number, string]>([
    [[], 30, 'job not executed yet'],
    [['Failed'], 0, 'job already executed on this node'],
    [['Cancelled'], 0, 'job already executed on this node'],
    [['BidRejected'], 0, 'job already executed on this node'],
    [['AskForBidRejected'], -1, 'job rejected'],
    [['Running'], -1, 'job rejected'],
    [['Completed'], -1, 'job rejected'],
    [['New'], -1, 'job rejected'],
    [['Failed', 'Failed'], -1, 'job already executed on this node more than once'],
    [['Failed', 'Running'], -1, 'job already executed on this node more than once'],
  ])('executions %j rank %d', (states, expectedRank, reason) => {
    expect(rank(states)).toMatchObject({ rank: expectedRank, reason, retryable: false });
  });

  it("counts only the current version's executions of this job on this node", () => {
    expect(rank(['Running'], { JobVersion: 0 })?.rank).toBe(30);
    expect(rank(['Running'], { JobID: 'j-other' })?.rank).toBe(30);
    expect(rank(['Running'], { NodeID: 'other-node' })?.rank).toBe(30);
  });

  it("does not count an execution its node stopped by shutting down (a restart is not the job's doing)", () => {
    // the orchestrator stopped it when the node said it was leaving, or the node failed it as it did
    for (const Message of [NodeShutdownStopMessage, NodeShutDownFailEvent]) {
      const shutDown = { ComputeState: { StateType: 'Failed' as const, Message } };
      expect(rank(['Failed', 'Failed'], shutDown)).toMatchObject({
        rank: 30,
        reason: 'job not executed yet',
      });
    }
    const disappeared = { ComputeState: { StateType: 'Failed' as const, Message: NodeLostStopMessage } };
    expect(rank(['Failed', 'Failed'], disappeared)?.rank).toBe(-1);
  });

  it('does not count, for a daemon job only, an execution lost with its node (heartbeats missed)', () => {
    const lost = { ComputeState: { StateType: 'Failed' as const, Message: NodeLostStopMessage } };
    const rankFor = (type: string) =>
      new PreviousExecutionsNodeRanker().rankNodes(job({ Type: type }), [computeNode('n')], {
        executions: ['e-1', 'e-2'].map((ID) => execution('n', 'Failed', { ID, ...lost })),
      })[0];
    expect(rankFor('daemon')).toMatchObject({ rank: 30, reason: 'job not executed yet' });
    for (const type of ['batch', 'service', 'ops']) {
      expect(rankFor(type)).toMatchObject({
        rank: -1,
        reason: 'job already executed on this node more than once',
      });
    }
  });

  it('treats a missing execution list as none', () => {
    expect(new PreviousExecutionsNodeRanker().rankNodes(job(), [computeNode('n')], {})[0]?.rank).toBe(30);
  });
});
