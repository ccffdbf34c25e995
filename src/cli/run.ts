import { CommanderError, InvalidArgumentError } from 'commander';
import { BacalhauError, ErrorCode, errorMessage } from '../models/bacerrors.js';
import { normalizeGoFlags, rememberArgv } from './argv.js';
import type { CliContext } from './context.js';
import { isDebugMode } from './debug-mode.js';
import { friendlyError } from './errors.js';
import { fatalText } from './messages.js';
import { terminalSafe } from './output/index.js';
import { errorChain } from '../lib/error-chain.js';
import { configureTree, createProgram } from './root.js';

/**
 * Runs one CLI invocation and returns the exit code. Errors are printed as Go's CLI prints them, a blank
 * line, `Error: <message>` and `Hint:  <hint>`; their details and stack only in debug mode
 * (`--log-level debug`, see isDebugMode).
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const program = createProgram(ctx);
  configureTree(program, ctx);
  try {
    const normalized = normalizeGoFlags(program, argv);
    rememberArgv(program, normalized);
    await program.parseAsync(normalized, { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err, ctx, () => isDebugMode(program, ctx));
  }
}

function reportError(thrown: unknown, ctx: CliContext, debug: () => boolean): number {
  // Commander prints the errors it raises itself (usage errors; help and version requests exit 0).
  // An InvalidArgumentError reaching here was thrown by a command's action, so nobody printed it yet:
  // commander rethrows what it caught while parsing as a plain CommanderError.
  if (thrown instanceof CommanderError && !(thrown instanceof InvalidArgumentError)) {
    return thrown.exitCode;
  }
  if (thrown instanceof ExitCode) return thrown.code;
  const err = shownError(friendlyError(thrown, ctx.binName));
  ctx.stderr.write(fatalText(shownMessage(err), err instanceof BacalhauError ? err.hint : ''));
  if (!debug()) return 1;
  const details = err instanceof BacalhauError ? Object.entries(err.details) : [];
  if (details.length > 0) {
    ctx.stderr.write('\nDetails:\n');
    for (const [key, value] of details) ctx.stderr.write(terminalSafe(`${key}: ${value}\n`));
  }
  // The stack of what was thrown: where the failure happened, not where it was reworded.
  const stack = thrown instanceof Error ? thrown.stack : undefined;
  // its first line is the message, which may quote what a node or a server sent
  if (stack !== undefined) ctx.stderr.write(`\nStack Trace:\n${terminalSafe(stack)}\n`);
  return 1;
}

/**
 * The error Go's `util.Fatal` would print: the first Bacalhau error in the chain (a server's answer
 * rather than the plain error wrapping it), else the error itself.
 */
function shownError(err: unknown): unknown {
  return [...errorChain(err)].find((e) => e instanceof BacalhauError) ?? err;
}

/**
 * The error's message; for a request the node refused for want of a capability, with the node's
 * reason, which Go's CLI shows only with --debug although it is what the user needs to know (which
 * capability is missing).
 */
function shownMessage(err: unknown): string {
  const reason =
    err instanceof BacalhauError && err.code === ErrorCode.Forbidden ? err.details['reason'] : '';
  return reason === undefined || reason === '' ? errorMessage(err) : `${errorMessage(err)}: ${reason}`;
}

/** Thrown by a command that has already printed what it had to say and only needs a non-zero exit. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
