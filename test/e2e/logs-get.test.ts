/** `bacalhau job logs` and `job get` before compute nodes can stream logs or serve results. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveNode, type LiveNode } from './live-node.js';

let live: LiveNode;

beforeAll(async () => {
  live = await startLiveNode();
  await live.addComputeNode('n-compute-1');
});
afterAll(() => live.stop());

async function submit(args: string[]): Promise<string> {
  const run = await live.run(['docker', 'run', '--id-only', ...args, 'busybox:1.37.0', 'echo', 'hi']);
  expect(run.code).toBe(0);
  return run.stdout.trim();
}

describe('job logs', () => {
  it('says in one line that the node cannot stream logs', async () => {
    const id = await submit([]);
    const run = await live.run(['job', 'logs', id]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `Error: error reading log output: error received from server: failed to open log stream for job ${id}: ` +
        'log streaming is not available on this node yet\n',
    );
  });

  it('names a job that does not exist', async () => {
    const run = await live.run(['job', 'logs', 'j-nope', '--follow']);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(run.stderr).toContain('j-nope');
  });
});

describe('job get', () => {
  it('without published results points at the logs', async () => {
    const id = await submit([]);
    const run = await live.run(['job', 'get', id]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`Fetching results of job '${id}'...\n`);
    expect(run.stdout).toBe(
      `No results found\nYou can check the logged output of the job using the logs command.\n\n  bacalhau job logs ${id}\n`,
    );
  });

  it('shows results it cannot download, as Bacalhau does', async () => {
    const id = await submit(['-p', 'local']);
    const run = await live.run(['job', 'get', id]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `Fetching results of job '${id}'...\n` +
        'No supported downloader found for the published results. You will have to download the results differently.\n' +
        '[\n    {\n        "Type": "local"\n    }\n]\n',
    );
  });
});
