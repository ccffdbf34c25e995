import type { Command } from 'commander';
import { loadConfig, rootFlagOverrides, type LoadedConfig } from '../../../config/index.js';
import { globalOptions, type CliContext } from '../../context.js';
import { printWarnings } from '../../messages.js';

/** The config warnings each command run has printed: a command may load the config more than once. */
const printed = new WeakMap<CliContext, Set<string>>();

/** Prints what the config files held that was ignored (see `LoadedConfig.warnings`), once per run. */
export function printConfigWarnings(ctx: CliContext, loaded: LoadedConfig): void {
  const seen = printed.get(ctx) ?? new Set<string>();
  printed.set(ctx, seen);
  printWarnings(
    ctx,
    loaded.warnings.filter((warning) => !seen.has(warning) && seen.add(warning)),
  );
}

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
  const loaded = loadConfig({
    config: options.configArgs ?? globals.config ?? [],
    writing: options.configArgs !== undefined,
    flags: rootFlagOverrides(globals),
    env: ctx.env,
    cwd: ctx.cwd,
    binName: ctx.binName,
  });
  printConfigWarnings(ctx, loaded);
  return loaded;
}
