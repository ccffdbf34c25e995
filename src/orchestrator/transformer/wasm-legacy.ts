/**
 * Bacalhau's `LegacyWasmModuleTransformer` (`transformer/wasm_legacy.go`): WASM modules given as
 * input-source objects in the engine params become task inputs. The conversion is in
 * models/jobspec/legacy-wasm.ts, where `job validate` runs it too.
 */
import { convertLegacyWasmModules } from '../../models/jobspec/legacy-wasm.js';
import type { JobTransformer } from './types.js';

export { LegacyWasmEntryTarget, legacyWasmImportTarget } from '../../models/jobspec/legacy.js';

export const legacyWasmModuleTransformer: JobTransformer = convertLegacyWasmModules;
