/** The planner: applies a scheduler's plan to the store in one transaction, and logs it. See README.md. */
export type { Planner } from './types.js';
export { applyPlan, writePlan, StateUpdater, PlannerComponent, type AppliedPlan } from './state-updater.js';
export { LoggingPlanner } from './logging.js';
export { ChainedPlanner } from './chain.js';
export {
  silentLogger,
  stderrLogger,
  isLevelEnabled,
  type Logger,
  type LogFields,
  type LogLevel,
} from './logger.js';
