/**
 * The orchestrator's data plane: execution changes → compute messages, compute reports → execution
 * updates and evaluations. See README.md.
 */
export { Dispatcher, DispatcherComponent } from './dispatcher.js';
export type { DispatchErrorContext, DispatcherOptions, DispatcherState } from './dispatcher.js';
export { applyComputeMessage, DispatchMessages } from './handlers.js';
export type { HandleOutcome } from './handlers.js';
export { hasStateChange, messageTypeFor } from './transitions.js';
export type { DispatchMessageType } from './transitions.js';
