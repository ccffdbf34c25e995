/**
 * The node manager: handshakes, heartbeats, liveness, approval, and node-join / node-leave
 * re-evaluations. See README.md.
 */
export { connectionLogLine } from './connection-log.js';
export { HeartbeatsTolerated, NodeManager, NodeManagerMessages } from './manager.js';
export type { NodeConnectionChange, NodeManagerState } from './manager.js';
export { compileNodeManagerOptions, healthCheckInterval, NodeManagerDefaults } from './options.js';
export type { CompiledNodeManagerOptions, NodeManagerOptions } from './options.js';
export { NodeReEvaluator, ReEvaluatorDefaults } from './reevaluator.js';
export type { NodeEventKind, ReEvaluatorOptions, ReEvaluatorState } from './reevaluator.js';
export {
  handshakeRequired,
  nodeAlreadyApproved,
  nodeAlreadyRejected,
  NodeManagerComponent,
  nodeManagerStopped,
} from './errors.js';
