/**
 * Running a vendor tool that reports hardware (Go's `capacity.ToolBasedProvider`): find it on PATH,
 * run it, hand its stdout to a parser. Failures carry Go's wording so logs read the same.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { findExecutable } from '../../lib/executables.js';
import { errorMessage } from '../../models/bacerrors.js';

export interface ToolOptions {
  searchPath: string;
  signal?: AbortSignal;
}

/**
 * Runs `command args` if it is on `searchPath` and parses what it prints; undefined when it is not
 * installed.
 * @throws Error `tool \`<path> [args]\` had bad exit and returned: "<stdout>": exit status <n>` when it fails or is killed
 *   (also when `signal` aborts it); `tool \`<path> [args]\` had unparsable output: "<stdout>": <why>`
 *   when `parse` throws.
 */
export async function runTool<T>(
  command: string,
  args: readonly string[],
  parse: (stdout: string) => T,
  options: ToolOptions,
): Promise<T | undefined> {
  const path = findExecutable(command, { searchPath: options.searchPath });
  if (path === undefined) return undefined;
  const tool = `tool \`${path} [${args.join(' ')}]\``;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      path,
      args,
      { signal: options.signal, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (err, out) => {
        if (err === null) resolve(out);
        else
          reject(new Error(`${tool} had bad exit and returned: ${JSON.stringify(out)}: ${exitProblem(err)}`));
      },
    );
  });
  try {
    return parse(stdout);
  } catch (err) {
    throw new Error(`${tool} had unparsable output: ${JSON.stringify(stdout)}: ${errorMessage(err)}`);
  }
}

/** How Go's `exec.ExitError` names a failed run: `exit status 2`, `signal: killed`. */
function exitProblem(err: ExecFileException): string {
  if (typeof err.code === 'number') return `exit status ${err.code}`;
  if (err.signal !== undefined && err.signal !== null) return `signal: ${goSignalName(err.signal)}`;
  return err.message;
}

/** Go's `syscall.Signal.String()` for the signals that stop a tool (a kill on abort, a shutdown). */
function goSignalName(signal: NodeJS.Signals): string {
  const names: Partial<Record<NodeJS.Signals, string>> = { SIGKILL: 'killed', SIGTERM: 'terminated' };
  return names[signal] ?? signal;
}

/** Go's `strconv.ParseUint(s, 10, 64)`, with its message, for the numbers vendor tools print. */
export function parseUint(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

/** Bytes to whole mebibytes, as Go's providers report GPU memory. */
export function mebibytes(bytes: number): number {
  return Math.floor(bytes / (1024 * 1024));
}
