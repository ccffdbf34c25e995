/**
 * The CLI root flags that are bound to config keys (Bacalhau's `configflags`: api.go, datadir.go,
 * logging.go). The CLI passes its parsed root options here to get `LoadOptions.flags`.
 */
import type { ConfigKey } from './schema.js';

/** The root flag values as the CLI parses them (a structural subset of the CLI's GlobalOptions). */
export interface RootFlagValues {
  readonly apiHost?: string | undefined;
  readonly apiPort?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly logLevel?: string | undefined;
}

/** Flag name → config key. */
export const rootFlagKeys = {
  'api-host': 'API.Host',
  'api-port': 'API.Port',
  'data-dir': 'DataDir',
  'log-level': 'Logging.Level',
} as const satisfies Record<string, ConfigKey>;

/** The config overrides given by root flags that were set. */
export function rootFlagOverrides(flags: RootFlagValues): Partial<Record<ConfigKey, string>> {
  const out: Partial<Record<ConfigKey, string>> = {};
  if (flags.apiHost !== undefined) out[rootFlagKeys['api-host']] = flags.apiHost;
  if (flags.apiPort !== undefined) out[rootFlagKeys['api-port']] = flags.apiPort;
  if (flags.dataDir !== undefined) out[rootFlagKeys['data-dir']] = flags.dataDir;
  if (flags.logLevel !== undefined) out[rootFlagKeys['log-level']] = flags.logLevel;
  return out;
}
