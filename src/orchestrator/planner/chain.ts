/** Planners run one after the other (Bacalhau `planner.ChainedPlanner`); the first failure stops the chain. */
import type { Plan } from '../../models/index.js';
import type { Planner } from './types.js';

export class ChainedPlanner implements Planner {
  readonly planners: readonly Planner[];

  constructor(...planners: Planner[]) {
    this.planners = Object.freeze([...planners]);
  }

  /** Rejects with the first planner's error, unchanged (it already names the evaluation). */
  async process(plan: Plan): Promise<void> {
    for (const planner of this.planners) await planner.process(plan);
  }
}
