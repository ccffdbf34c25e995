#!/usr/bin/env node
import { runCli } from './cli/run.js';
import { shutdownSignal } from './cli/shutdown.js';

// A reader that went away (`bacalhau job list | head`) ends the output quietly, as in any Unix tool,
// instead of an unhandled EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}

const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  binName: 'bacalhau',
  signal: shutdownSignal(process),
});
process.exitCode = code;
