/** Helpers for executor tests: a request with fresh folders, and a temporary directory that is removed. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunCommandRequest } from './types.js';

/**
 * A request for a noop task whose `resultsDir`, `logsDir` and `scratchDir` are fresh folders under `root`;
 * `overrides` replace any field.
 */
export async function makeRequest(
  root: string,
  executionID: string,
  overrides: Partial<RunCommandRequest> = {},
): Promise<RunCommandRequest> {
  const resultsDir = join(root, 'results', executionID);
  const logsDir = join(root, 'logs', executionID);
  const scratchDir = join(root, 'scratch', executionID);
  await Promise.all([resultsDir, logsDir, scratchDir].map((dir) => mkdir(dir, { recursive: true })));
  return {
    jobID: 'j-test',
    executionID,
    engine: { Type: 'noop', Params: {} },
    inputs: [],
    outputs: [],
    resultsDir,
    logsDir,
    scratchDir,
    resources: { CPU: 0, Memory: 0, Disk: 0, GPU: 0 },
    network: { Type: 'None' },
    env: { BACALHAU_EXECUTION_ID: executionID, BACALHAU_JOB_ID: 'j-test' },
    ...overrides,
  };
}

/** Runs `fn` with a new temporary directory and removes it afterwards, whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-executor-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
