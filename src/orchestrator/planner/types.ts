/**
 * The planner seam (Bacalhau `orchestrator.Planner`): what happens to a plan once a scheduler built it.
 * Planners run in a chain; the state updater writes the plan, the others observe it.
 */
import type { Plan } from '../../models/index.js';

export interface Planner {
  /**
   * Processes one plan. Rejects when the plan could not be applied; the worker then nacks the
   * evaluation. Must not mutate the plan.
   */
  process(plan: Plan): Promise<void>;
}
