import { runCli } from '../../src/cli/run.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output, as a user would from a shell in `cwd`. */
export async function cli(
  args: string[],
  options: {
    cwd?: string;
    env?: Record<string, string | undefined>;
    stdin?: string;
    /** Stands for Ctrl+C / SIGTERM (CliContext.signal). */
    signal?: AbortSignal;
  } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdin: options.stdin === undefined ? [] : [options.stdin],
    stdout: { write: (s) => void (stdout += s) },
    stderr: { write: (s) => void (stderr += s) },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    binName: 'bacalhau',
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { code, stdout, stderr };
}
