import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { newPlan, type Execution, type Job } from '../../models/index.js';
import { makeEvaluation, makeExecution, makeJob } from '../../store/store.contract.js';
import type { StoreChange } from '../../store/types.js';
import { PlacementLedger } from './placement-ledger.js';

const halfCpu: Job = makeJob({
  Tasks: [
    { Name: 'main', Engine: { Type: 'docker', Params: {} }, Resources: { CPU: '500m', Memory: '1Gb' } },
  ],
});

function setup() {
  const clock = new ManualClock();
  const ledger = new PlacementLedger({ clock, reportLagMs: 1000, maxAgeMs: 60_000 });
  /** Places executions of `halfCpu` on nodes, as a plan does before it is written. */
  const place = async (...nodes: string[]): Promise<Execution[]> => {
    const plan = newPlan(makeEvaluation(halfCpu), halfCpu);
    for (const NodeID of nodes) plan.NewExecutions.push(makeExecution(halfCpu, { NodeID, Job: halfCpu }));
    await ledger.planner({ process: () => Promise.resolve() }).process(plan);
    return plan.NewExecutions;
  };
  const update = (execution: Execution, overrides: Partial<Execution>): void => {
    const change: StoreChange = {
      type: 'ExecutionUpdated',
      execution: { ...execution, ...overrides },
      previous: execution,
      events: [],
    };
    ledger.onChange([change]);
  };
  const cpu = (nodeID: string): number | undefined => ledger.pendingUsage(nodeID)?.CPU;
  return { clock, ledger, place, update, cpu };
}

describe('placement ledger', () => {
  it('holds what a plan placed against each node, before the plan is written', async () => {
    const { place, cpu, ledger } = setup();
    await place('n-1', 'n-1', 'n-2');
    expect([cpu('n-1'), cpu('n-2'), cpu('n-3')]).toEqual([1, 0.5, undefined]);
    expect(ledger.pendingUsage('n-1')?.Memory).toBe(2 * 1000 ** 3);
  });

  it("lets a node's report count what it was told to run a while before, not what it is still bidding on", async () => {
    const { clock, ledger, place, update, cpu } = setup();
    const [bidding, approved] = await place('n-1', 'n-1');
    update(approved!, { DesiredState: { StateType: 'Running' } });
    ledger.reported('n-1', clock.now()); // too soon: the BidAccepted may not have reached the node yet
    expect(cpu('n-1')).toBe(1);
    clock.advance(1000);
    ledger.reported('n-1', clock.now());
    expect(cpu('n-1')).toBe(0.5);
    clock.advance(60_000); // should anything be missed, an entry goes at last
    ledger.reported('n-1', clock.now());
    expect(cpu('n-1')).toBeUndefined();
    expect(bidding).toBeDefined();
  });

  it('goes by when the written report was made, not when it was written', async () => {
    const { clock, ledger, place, update, cpu } = setup();
    const madeAt = clock.now();
    clock.advance(5000);
    // told to run after the heartbeat was made, before it was written to the store
    const [approved] = await place('n-1');
    update(approved!, { DesiredState: { StateType: 'Running' } });
    clock.advance(10_000);
    ledger.reported('n-1', madeAt);
    expect(cpu('n-1')).toBe(0.5);
    ledger.reported('n-1', clock.now());
    expect(cpu('n-1')).toBeUndefined();
  });

  it('forgets executions that ended or are not wanted, and a node that connects afresh', async () => {
    const { ledger, place, update, cpu } = setup();
    const [rejected, failed, kept] = await place('n-1', 'n-1', 'n-2');
    update(rejected!, { DesiredState: { StateType: 'Stopped' } });
    update(failed!, { ComputeState: { StateType: 'Failed' } });
    expect([cpu('n-1'), cpu('n-2')]).toEqual([undefined, 0.5]);
    ledger.forget('n-2');
    expect(cpu('n-2')).toBeUndefined();
    update(kept!, { DesiredState: { StateType: 'Running' } }); // of a forgotten entry: nothing happens
    expect(cpu('n-2')).toBeUndefined();
  });

  it('takes back what a plan placed when the plan cannot be written (a conflict: it is made again)', async () => {
    const { ledger, cpu } = setup();
    const plan = newPlan(makeEvaluation(halfCpu), halfCpu);
    plan.NewExecutions.push(makeExecution(halfCpu, { NodeID: 'n-1', Job: halfCpu }));
    let seen: number | undefined;
    const conflicting = {
      process: () => {
        seen = cpu('n-1'); // recorded while the plan is written
        return Promise.reject(new Error('conflict'));
      },
    };
    await expect(ledger.planner(conflicting).process(plan)).rejects.toThrow('conflict');
    expect([seen, cpu('n-1')]).toEqual([0.5, undefined]);
  });

  it('hands its pending usage to the node selector it wraps', async () => {
    const { ledger, place } = setup();
    await place('n-1');
    let seen: number | undefined;
    const selector = ledger.selector({
      matchingNodes: (_job, options) => {
        seen = options.pendingUsage?.('n-1')?.CPU;
        return { matched: [], rejected: [] };
      },
    });
    selector.matchingNodes(halfCpu, { nodes: [] });
    expect(seen).toBe(0.5);
  });
});
