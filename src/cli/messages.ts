/** Warnings and errors on standard error, as Bacalhau's `printer.PrintWarning(s)` / `PrintError` lay them out. */
import type { CliContext } from './context.js';
import { listedFirst } from '../models/validate.js';
import { styles, terminalSafe } from './output/index.js';

type Target = Pick<CliContext, 'stdout' | 'stderr' | 'env'>;

/** `Warning: <message>` (yellow on a terminal). */
export function printWarning(ctx: Target, message: string): void {
  const s = styles(ctx);
  ctx.stderr.write(`${s.yellow(s.bold('Warning: '))}${terminalSafe(message)}\n`);
}

/** One warning on its line; several as a list under `Warning:`. */
export function printWarnings(ctx: Target, warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  if (warnings.length === 1) {
    printWarning(ctx, warnings[0] ?? '');
    return;
  }
  printWarning(ctx, '');
  for (const warning of listedFirst(warnings, 'warnings')) ctx.stderr.write(`  * ${terminalSafe(warning)}\n`);
}

/**
 * What Go's `util.Fatal` prints for a failed command: a blank line, `Error: <message>`, then
 * `Hint:  <hint>` when there is one. Not styled, as Go's is not. Messages may quote what a node or a
 * server sent: their control characters are shown escaped (output/terminal-safe.ts).
 */
export function fatalText(message: string, hint = ''): string {
  return `\nError: ${terminalSafe(message)}\n${hint === '' ? '' : `Hint:  ${terminalSafe(hint)}\n`}`;
}

/** `Error: <message>` (red on a terminal). */
export function printError(ctx: Target, message: string): void {
  const s = styles(ctx);
  ctx.stderr.write(`${s.red(s.bold('Error: '))}${terminalSafe(message)}\n`);
}
