/** Job endpoint options in, compiled and frozen options out (design example 7). */
import { systemClock, type Clock } from '../../lib/clock.js';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { newJobID, newUUID } from '../../models/ids.js';
import { isBlank } from '../../models/validate.js';
import type { JobStore } from '../../store/types.js';
import { OrchestratorEvents } from '../events.js';
import { submissionTransformers, type JobDefaultsConfig, type JobTransformer } from '../transformer/index.js';

export interface JobEndpointOptions {
  store: JobStore;
  /** This orchestrator's node ID, recorded in every job's meta (`bacalhau.org/orchestrator.id`). */
  nodeID: string;
  /** Stamps history events. Default: the wall clock. (Stored times come from the store's clock.) */
  clock?: Clock;
  /** The config's `JobDefaults`; Bacalhau's built-in defaults when absent. */
  jobDefaults?: JobDefaultsConfig;
  /** `bacalhau.org/server.installation.id`; not set when empty. */
  installationID?: string;
  /** `bacalhau.org/server.instance.id`; not set when empty. */
  instanceID?: string;
  /** ID generators, injectable for tests: jobs `j-<uuid>`, evaluations a bare UUID (as Go's endpoint). */
  ids?: { job?: () => string; evaluation?: () => string };
  /**
   * The largest message the transport can carry to a node now (`OrchestratorTransport.maxMessageBytes`);
   * a job that would not fit in one is refused at submission. Default: no limit.
   */
  maxMessageBytes?: () => number | undefined;
}

export interface CompiledJobEndpointOptions {
  readonly store: JobStore;
  /** The submission transformers after the client's own meta: Bacalhau's chain, built once. */
  readonly transform: JobTransformer;
  readonly events: OrchestratorEvents;
  readonly newEvaluationID: () => string;
  readonly maxMessageBytes: () => number | undefined;
}

/**
 * @throws BacalhauError (ConfigurationError) without a store or node ID, or when a `JobDefaults` timeout
 *   is not a Go duration
 */
export function compileJobEndpointOptions(options: JobEndpointOptions): CompiledJobEndpointOptions {
  const problems: string[] = [];
  if ((options.store as JobStore | undefined) === undefined) problems.push('store is required');
  if (typeof options.nodeID !== 'string' || isBlank(options.nodeID)) problems.push('nodeID is required');
  if (problems.length > 0) {
    throw new BacalhauError(`invalid job endpoint options: ${problems.join('; ')}`, {
      code: ErrorCode.ConfigurationError,
      component: 'Orchestrator',
    });
  }
  const clock = options.clock ?? systemClock;
  return Object.freeze({
    store: options.store,
    transform: submissionTransformers({
      nodeID: options.nodeID,
      installationID: options.installationID ?? '',
      instanceID: options.instanceID ?? '',
      ...(options.jobDefaults === undefined ? {} : { jobDefaults: options.jobDefaults }),
      newJobID: options.ids?.job ?? newJobID,
    }),
    maxMessageBytes: options.maxMessageBytes ?? (() => undefined),
    events: new OrchestratorEvents(() => new Date(clock.now())),
    newEvaluationID: options.ids?.evaluation ?? newUUID,
  });
}
