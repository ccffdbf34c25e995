#!/usr/bin/env node
import { runCli } from './cli/run.js';
import { shutdownSignal } from './cli/shutdown.js';

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
