/**
 * `bacalhau job logs` before compute nodes can stream logs, and `job get` downloading what fake compute
 * nodes publish: results served by a real HTTP server on 127.0.0.1, as the local publisher serves them.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  executionFiles,
  resultArchive,
  startResultServer,
  treeOf,
  type ResultServer,
} from '../../src/cli/download/testing.js';
import type { SpecConfig } from '../../src/models/spec-config.js';
import type { FakeComputeNode } from '../../src/transport/testing/index.js';
import { startLiveNode, type LiveNode } from './live-node.js';

let live: LiveNode;
let computes: FakeComputeNode[];
/** Serves `/<execution ID>.tar.gz`: that execution's results, labelled with its ID. */
let results: ResultServer;

beforeAll(async () => {
  live = await startLiveNode();
  computes = [await live.addComputeNode('n-compute-1'), await live.addComputeNode('n-compute-2')];
  results = await startResultServer((_req, res, path) => {
    const id = /^\/(e-[\w-]+)\.tar\.gz$/.exec(path)?.[1];
    if (id === undefined) res.writeHead(404).end('no such result');
    else res.end(resultArchive(executionFiles(id, { [`outputs/${id}.txt`]: id })));
  });
});
afterAll(async () => {
  await results.close();
  await live.stop();
});
afterEach(() => publish(() => undefined));

/** Makes the compute nodes publish `result(executionID)` (undefined: the task's publisher type). */
function publish(result: (executionID: string) => SpecConfig | undefined): void {
  for (const compute of computes) {
    compute.setRunPolicy((execution) => {
      const publishResult = result(execution.ID);
      return { action: 'complete', ...(publishResult === undefined ? {} : { publishResult }) };
    });
  }
}

const viaUrl = (path: (executionID: string) => string) => (executionID: string) => ({
  Type: 'urlDownload',
  Params: { URL: results.url(path(executionID)) },
});

async function submit(args: string[]): Promise<string> {
  const run = await live.run(['docker', 'run', '--id-only', ...args, 'busybox:1.37.0', 'echo', 'hi']);
  expect(run.code).toBe(0);
  return run.stdout.trim();
}

/** The IDs of the job's executions, oldest first. */
async function executionIDs(jobID: string): Promise<string[]> {
  const run = await live.run(['job', 'executions', jobID, '--output', 'json']);
  return (JSON.parse(run.stdout) as { ID: string }[]).map((e) => e.ID);
}

describe('job logs', () => {
  it('says in one line that the node cannot stream logs', async () => {
    const id = await submit([]);
    const run = await live.run(['job', 'logs', id]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `\nError: error reading log output: error received from server: failed to open log stream for job ${id}: ` +
        'log streaming is not available on this node yet\n',
    );
  });

  it('names a job that does not exist', async () => {
    const run = await live.run(['job', 'logs', 'j-nope', '--follow']);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')).toHaveLength(3); // a blank line, then one line
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

  it('finds a job whose name has a "/" by its whole name, and otherwise reads <id>/<path>', async () => {
    await submit(['--name', 'team/report']);
    const byName = await live.run(['job', 'get', 'team/report']);
    expect(byName.stderr).toBe(`Fetching results of job 'team/report'...\n`);
    expect(byName.stdout).toContain('No results found');
    const id = await submit([]);
    const withPath = await live.run(['job', 'get', `${id}/outputs/a.txt`]);
    expect(withPath.stderr).toBe(`Fetching results of job '${id}'...\n`);
    expect(withPath.code).toBe(0);
  });

  it('says which job it is fetching before saying that it does not exist, as Go does', async () => {
    const run = await live.run(['job', 'get', 'j-nope']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`Fetching results of job 'j-nope'...\n\nError: job not found: j-nope\n`);
    const withPath = await live.run(['job', 'get', 'j-nope/outputs/a.txt']);
    expect(withPath.stderr).toBe(`Fetching results of job 'j-nope'...\n\nError: job not found: j-nope\n`);
  });

  it('says that a job still under way has published nothing yet', async () => {
    for (const compute of computes) compute.setRunPolicy(() => ({ action: 'hang' }));
    const id = await submit(['--wait=false']);
    const state = async () => {
      const { stdout } = await live.run(['job', 'describe', id, '--output', 'json']);
      return (JSON.parse(stdout) as { Job: { State: { StateType: string } } }).Job.State.StateType;
    };
    await expect.poll(state).toBe('Running');
    const run = await live.run(['job', 'get', id]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'No results found\nThe job is still Running: results come once it completes.\n',
    );
    expect((await live.run(['job', 'stop', id])).code).toBe(0);
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

  it('says why it cannot download ipfs results', async () => {
    publish(() => ({ Type: 'ipfs', Params: { CID: 'QmResults' } }));
    const id = await submit(['-p', 'ipfs']);
    const run = await live.run(['job', 'get', id]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Downloading ipfs results is not supported yet');
    expect(run.stderr).toContain('"CID": "QmResults"');
  });

  it('downloads the result into ./job-<id> and says where', async () => {
    publish(viaUrl((executionID) => `/${executionID}.tar.gz`));
    const id = await submit(['-p', 'local']);
    const [executionID = ''] = await executionIDs(id);
    const run = await live.run(['job', 'get', id]);
    expect(run).toEqual({
      code: 0,
      stderr: `Fetching results of job '${id}'...\n`,
      stdout: `Results for job '${id}' have been written to...\n${join(live.dataDir, `job-${id}`)}\n`,
    });
    expect(await treeOf(join(live.dataDir, `job-${id}`))).toEqual({
      ...executionFiles(executionID, { [`outputs/${executionID}.txt`]: executionID }),
      'outputs/': '',
    });
  });

  it('keeps ./job-<name> in the current folder whatever the name holds', async () => {
    publish(viaUrl((executionID) => `/${executionID}.tar.gz`));
    await submit(['-p', 'local', '--name', '../../escaped']);
    const run = await live.run(['job', 'get', '../../escaped']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Results for job '../../escaped' have been written to...\n${join(live.dataDir, 'job-.._.._escaped')}\n`,
    );
    expect(existsSync(join(live.dataDir, 'job-.._.._escaped', 'stdout'))).toBe(true);
  });

  it('downloads all the results when asked for one file of them, saying so, as Go does for HTTP', async () => {
    publish(viaUrl((executionID) => `/${executionID}.tar.gz`));
    const id = await submit(['-p', 'local']);
    const [executionID = ''] = await executionIDs(id);
    await mkdir(join(live.dataDir, 'one'));
    const run = await live.run(['job', 'get', `${id}/outputs/${executionID}.txt`, '--output-dir', 'one']);
    expect(run).toEqual({
      code: 0,
      stderr:
        `Fetching results of job '${id}'...\n` +
        `Only ipfs results can be fetched file by file: downloading all of them, "outputs/${executionID}.txt" among them.\n`,
      stdout: `Results for job '${id}' have been written to...\none\n`,
    });
    expect(await treeOf(join(live.dataDir, 'one'))).toMatchObject({
      [`outputs/${executionID}.txt`]: executionID,
    });
  });

  it('merges the results of two executions into --output-dir, or keeps them apart with --raw', async () => {
    publish(viaUrl((executionID) => `/${executionID}.tar.gz`));
    const id = await submit(['-p', 'local', '--count', '2', '--namespace', 'team']);
    const [first = '', second = ''] = await executionIDs(id);
    await mkdir(join(live.dataDir, 'merged'));
    const merged = await live.run(['job', 'get', id, '--namespace', 'team', '--output-dir', 'merged']);
    expect(merged.stdout).toBe(`Results for job '${id}' have been written to...\nmerged\n`);
    const tree = await treeOf(join(live.dataDir, 'merged'));
    // Appended in execution order; which ID sorts first is random, so compare as sets.
    expect(tree['stdout']?.split('\n').sort()).toEqual(['', `${first} out`, `${second} out`].sort());
    expect(tree[`outputs/${first}.txt`]).toBe(first);
    expect(tree[`outputs/${second}.txt`]).toBe(second);

    const raw = await live.run(['job', 'get', id, '--namespace', 'team', '--raw']);
    expect(raw.code).toBe(0);
    const rawDir = join(live.dataDir, `job-team-${id}`, 'raw');
    expect((await readdir(rawDir)).length).toBe(2);
  });

  it('names the execution whose download failed', async () => {
    publish(viaUrl((executionID) => `/missing/${executionID}.tar.gz`));
    const id = await submit(['-p', 'local']);
    const [executionID = ''] = await executionIDs(id);
    const run = await live.run(['job', 'get', id, '--output-dir', '.']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `\nError: failed to download the results of execution ${executionID}: request to ` +
        `${results.url(`/missing/${executionID}.tar.gz`)} failed with status code 404: no such result\n`,
    );
    expect(run.stderr).toContain(`Hint:  Nothing was merged into ${live.dataDir}`);
  });

  it('leaves no ./job-<id> behind when the download fails, so that the next try is not in its way', async () => {
    publish(viaUrl((executionID) => `/missing/${executionID}.tar.gz`));
    const id = await submit(['-p', 'local']);
    const run = await live.run(['job', 'get', id]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('failed with status code 404: no such result');
    expect(existsSync(join(live.dataDir, `job-${id}`))).toBe(false);
  });
});
