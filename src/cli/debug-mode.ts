/**
 * Whether failures are printed with their details and stack (Bacalhau's `system.IsDebugMode`): the
 * environment says `DEBUG=true`, or the log level in force — `--log-level`, `-c Logging.Level=…`,
 * `BACALHAU_LOGGING_LEVEL` or the config file — is debug or trace.
 */
import type { Command } from 'commander';
import { loadConfig, rootFlagOverrides } from '../config/index.js';
import { globalOptions, type CliContext } from './context.js';

export function isDebugMode(program: Command, ctx: Pick<CliContext, 'env' | 'cwd' | 'binName'>): boolean {
  if (ctx.env['DEBUG'] === 'true') return true;
  const globals = globalOptions(program);
  let level: string;
  try {
    level = loadConfig({
      config: globals.config ?? [],
      flags: rootFlagOverrides(globals),
      env: ctx.env,
      cwd: ctx.cwd,
      binName: ctx.binName,
    }).config.Logging.Level;
  } catch {
    // A configuration that does not load cannot ask for debugging; its error is reported anyway.
    level = globals.logLevel ?? '';
  }
  return ['debug', 'trace'].includes(level.toLowerCase());
}
