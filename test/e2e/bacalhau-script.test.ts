/**
 * A shell script written for Bacalhau's CLI runs unchanged against bacalhau-ts: the built binary is on
 * PATH as `bacalhau`, the script submits a Docker job with `--id-only --wait`, then describes it, reads
 * its logs and downloads its results, with `set -euo pipefail` so any failing step fails the test.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builtMain, ensureBuilt } from '../helpers/built-cli.js';
import { requireDocker } from '../helpers/test-env.js';
import { startLiveNode, type LiveNode } from './live-node.js';

let live: LiveNode;

beforeAll(async () => {
  await ensureBuilt();
  live = await startLiveNode(['Compute.Enabled=true', 'Publishers.Types.Local.Port=0']);
}, 180_000);
afterAll(() => live.stop());

const script = `#!/usr/bin/env bash
set -euo pipefail

JOB_ID=$(bacalhau docker run --id-only --wait --publisher local -o outputs:/outputs "$IMAGE" -- \\
  sh -c 'echo hello from a script; echo 42 > /outputs/answer.txt')
echo "submitted $JOB_ID"

bacalhau job describe "$JOB_ID" > describe.txt
grep -q "State *= Completed" describe.txt

bacalhau job logs "$JOB_ID" > logs.txt

mkdir -p results
bacalhau job get "$JOB_ID" --output-dir results
cat results/outputs/answer.txt
`;

/** Runs the script without blocking this process, which hosts the node the script talks to. */
function runScript(
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['run.sh'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

it('runs a Bacalhau CLI script: docker run --id-only --wait, job describe, job logs, job get', async (ctx) => {
  const docker = requireDocker(ctx);
  const dir = join(live.dataDir, 'script');
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'bacalhau'), `#!/bin/sh\nexec "${process.execPath}" "${builtMain}" "$@"\n`);
  chmodSync(join(bin, 'bacalhau'), 0o755);
  writeFileSync(join(dir, 'run.sh'), script, { mode: 0o755 });

  const run = await runScript(dir, {
    ...process.env,
    ...live.env,
    PATH: `${bin}:${process.env['PATH'] ?? ''}`,
    IMAGE: docker.image,
  });
  expect(run.stderr).not.toContain('Error');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^submitted j-[0-9a-f-]{36}\n/);
  expect(run.stdout.endsWith('42\n')).toBe(true);
  expect(readFileSync(join(dir, 'logs.txt'), 'utf8')).toBe('hello from a script\n');
  expect(existsSync(join(dir, 'results', 'stdout'))).toBe(true);
}, 180_000);
