#!/usr/bin/env node
import { runCli } from './cli/run.js';
import { runsWithoutOutput, shutdownSignal } from './cli/shutdown.js';

const signal = shutdownSignal(
  process,
  [process.stdin, process.stdout, process.stderr].some((stream) => stream.isTTY),
);

// A reader that went away (`bacalhau job list | head`) ends the output quietly, as in any Unix tool,
// instead of an unhandled EPIPE stack trace; a node (`serve | head`) goes on without its log, and stops
// gracefully on its signal. A terminal that went away (EIO: the window was closed, which also sends
// SIGHUP) only loses the output: the command goes on, so `serve` stops gracefully.
let terminalGone = false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EIO') {
      terminalGone = true;
      return;
    }
    if (err.code !== 'EPIPE') throw err;
    if (!runsWithoutOutput(signal)) process.exit(process.exitCode ?? 0);
  });
}

const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  binName: 'bacalhau',
  signal,
});
process.exitCode = code;

/** Resolves once what was written to `stream` so far is out (pipes may be asynchronous). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

// The command is over: exit now, once the output is out, instead of when the event loop empties. A
// compute node that failed to start after its orchestrator had accepted it left the loop waiting on
// something no handle listing shows, and the process outlived its error, deaf to SIGTERM.
await flushed(process.stdout);
await flushed(process.stderr);
if (terminalGone) {
  // Node 20 aborts (SIGSEGV) when its exit restores the settings of a terminal that is gone (fixed in
  // later Node): end the way a hangup ends a process instead, its own signal with no handler left.
  process.removeAllListeners('SIGHUP');
  process.kill(process.pid, 'SIGHUP');
}
process.exit(code);
