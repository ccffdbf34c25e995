/**
 * Public surface of the config layer: the Bacalhau config tree (types, defaults, keys), loading with
 * Bacalhau's precedence, and writing single keys (`config set`).
 */
export { schema, defaultDataDir, type BacalhauConfig, type ConfigKey } from './schema.js';
export type { Kind, DefaultsContext } from './leaf.js';
export type { AuthenticatorConfig, AuthUser, AuthCapability } from './checks.js';
export {
  configKeys,
  findKey,
  suggestKey,
  envVarForKey,
  getValue,
  defaultValues,
  type KeySpec,
} from './keys.js';
export { load, loadConfig, envNames, type LoadOptions, type LoadedConfig, type ValueSource } from './load.js';
export { rootFlagKeys, rootFlagOverrides, type RootFlagValues } from './flags.js';
export { formatValue } from './values.js';
export { configDocument, configToYaml, isEmptyCollection } from './document.js';
export { setConfigFileValue, parseSetValue, type SetValueOptions } from './write.js';
export { defaultConfigFileName, expandHome, absPath, homeDirectory } from './paths.js';
export { validateConfig } from './validate.js';
export { readInstallationID, readInstanceID, readSystemMetadata, SystemMetadataFile } from './identity.js';
export { loadUserKey, clientIDOf, UserKeyFileName } from './user-key.js';
export type { Problem } from './errors.js';
