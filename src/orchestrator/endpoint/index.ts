/** The orchestrator's job endpoint (submit, diff, stop, rerun) and its request/response shapes. */
export { JobEndpoint, JobUpdateStateMessage, JobRerunStateMessage, DefaultRerunReason } from './endpoint.js';
export {
  compileJobEndpointOptions,
  type JobEndpointOptions,
  type CompiledJobEndpointOptions,
} from './options.js';
export { compareJobs } from './diff.js';
export * from './errors.js';
export type * from './types.js';
