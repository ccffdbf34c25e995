import type { Command } from 'commander';
import { loadConfig, rootFlagOverrides, type LoadedConfig } from '../../../config/index.js';
import { globalOptions, type CliContext } from '../../context.js';

/**
 * Loads the configuration for a command from the root flags (`-c`, `--api-host`, `--api-port`,
 * `--data-dir`, `--log-level`) and the injected environment. `configArgs` replaces the root's `-c`
 * values (used by `config set`, whose `-c` names the file to write).
 */
export function loadCliConfig(
  ctx: CliContext,
  cmd: Command,
  options: { configArgs?: readonly string[] } = {},
): LoadedConfig {
  const globals = globalOptions(cmd);
  return loadConfig({
    config: options.configArgs ?? globals.config ?? [],
    flags: rootFlagOverrides(globals),
    env: ctx.env,
    cwd: ctx.cwd,
    binName: ctx.binName,
  });
}
