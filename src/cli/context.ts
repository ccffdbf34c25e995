import type { Command } from 'commander';

/** A sink for text; process.stdout in production, a string buffer in tests. */
export interface TextSink {
  write(text: string): void;
}

/** What a command may touch of its surroundings; injected so commands run in-process in tests. */
export interface CliContext {
  stdin: AsyncIterable<Buffer | string> | Iterable<Buffer | string>;
  stdout: TextSink;
  stderr: TextSink;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** The name the user typed for the binary, used in hints such as "bacalhau job describe <id>". */
  binName: string;
  /**
   * Aborted when the user asks the process to stop (Ctrl+C, SIGTERM): `serve` shuts down gracefully,
   * `job run` stops following the job (which keeps running). Absent: nothing asks.
   */
  signal?: AbortSignal;
}

/** Root flags shared by every command (`-c`, `--api-host`, `--api-port`, `--data-dir`, `--log-level`), and `--profile`. */
export interface GlobalOptions {
  config: string[];
  apiHost?: string;
  apiPort?: string;
  dataDir?: string;
  logLevel?: string;
  /** `--profile` of client commands. */
  profile?: string;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/** Each command file exports one of these; root.ts wires them under their noun. */
export type CommandFactory = (ctx: CliContext) => Command;
