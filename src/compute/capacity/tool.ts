/**
 * Running a vendor tool that reports hardware (Go's `capacity.ToolBasedProvider`): find it on PATH,
 * run it, hand its stdout to a parser. Failures carry Go's wording so logs read the same.
 */
import { execFile } from 'node:child_process';
import { findExecutable } from '../../lib/executables.js';

/** What running a tool came to: its output, or nothing because it is not installed. */
export type ToolOutcome = { installed: false } | { installed: true; stdout: string };

/**
 * Runs `command args` if it is on `searchPath`.
 * @throws Error `tool \`<path> [args]\` had bad exit and returned: "<stdout>"` when it fails or is killed
 *   (also when `signal` aborts it).
 */
export async function runTool(
  command: string,
  args: readonly string[],
  options: { searchPath: string; signal?: AbortSignal },
): Promise<ToolOutcome> {
  const path = findExecutable(command, { searchPath: options.searchPath });
  if (path === undefined) return { installed: false };
  return new Promise((resolve, reject) => {
    execFile(
      path,
      args,
      { signal: options.signal, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout) => {
        if (err === null) resolve({ installed: true, stdout });
        else
          reject(
            new Error(
              `tool \`${path} [${args.join(' ')}]\` had bad exit and returned: ${JSON.stringify(stdout)}`,
            ),
          );
      },
    );
  });
}
