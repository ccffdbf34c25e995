/** Housekeeping: periodic job-timeout / exec-timeout evaluations for batch and ops jobs. See README.md. */
export { Housekeeping, type HousekeepingState } from './housekeeping.js';
export {
  compileHousekeepingOptions,
  HousekeepingComponent,
  HousekeepingDefaults,
  type CompiledHousekeepingOptions,
  type HousekeepingOptions,
  type HousekeepingPass,
} from './options.js';
