/**
 * The submission transformers, in Bacalhau's order (`pkg/node/requester.go`):
 * ID generator → name optional → requester info → orchestrator installation ID → orchestrator instance
 * ID → defaults applier → legacy WASM modules. The client's installation/instance IDs (request headers)
 * are added per request with `clientInfo`, before the chain, as Go's `SubmitJob` does.
 */
import { newJobID } from '../../models/ids.js';
import { compileJobDefaults, defaultsApplier, type JobDefaultsConfig } from './defaults.js';
import { idGenerator, nameOptional } from './identity.js';
import { orchestratorInstallationID, orchestratorInstanceID, requesterInfo } from './meta.js';
import { chain, type JobTransformer } from './types.js';
import { legacyWasmModuleTransformer } from './wasm-legacy.js';

export { chain, mapTasks, type JobTransformer } from './types.js';
export { idGenerator, nameOptional } from './identity.js';
export {
  clientInfo,
  orchestratorInstallationID,
  orchestratorInstanceID,
  requesterInfo,
  type ClientInfo,
} from './meta.js';
export {
  builtinJobDefaults,
  compileJobDefaults,
  defaultsApplier,
  type CompiledJobDefaults,
  type JobDefaultsConfig,
  type TypeDefaults,
} from './defaults.js';
export { legacyWasmModuleTransformer, LegacyWasmEntryTarget, legacyWasmImportTarget } from './wasm-legacy.js';

export interface SubmissionTransformerOptions {
  /** This orchestrator's node ID, recorded in the job's meta. */
  nodeID: string;
  /** This installation's ID (`bacalhau.org/server.installation.id`); unset when empty. */
  installationID?: string;
  /** This process's instance ID (`bacalhau.org/server.instance.id`); unset when empty. */
  instanceID?: string;
  /** The config's `JobDefaults`; Bacalhau's built-in defaults when absent. */
  jobDefaults?: JobDefaultsConfig;
  /** Job ID generator, `j-<uuid>` by default; injectable for tests. */
  newJobID?: () => string;
}

/**
 * Bacalhau's job transformer chain, built once.
 * @throws BacalhauError (ConfigurationError) when a `JobDefaults` timeout is not a Go duration
 */
export function submissionTransformers(options: SubmissionTransformerOptions): JobTransformer {
  return chain(
    idGenerator(options.newJobID ?? newJobID),
    nameOptional,
    requesterInfo(options.nodeID),
    orchestratorInstallationID(options.installationID ?? ''),
    orchestratorInstanceID(options.instanceID ?? ''),
    defaultsApplier(compileJobDefaults(options.jobDefaults)),
    legacyWasmModuleTransformer,
  );
}
