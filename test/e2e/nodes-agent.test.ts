/** `bacalhau node …`, `agent …` and `version` against a live node. */
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVersionInfo } from '../../src/lib/build-info.js';
import { goTimeString } from '../../src/models/go-time.js';
import { startLiveNode, type LiveNode } from './live-node.js';
import { goArch, goOS } from '../../src/compute/capacity/labels.js';

let live: LiveNode;
beforeAll(async () => {
  live = await startLiveNode(['Orchestrator.NodeManager.ManualApproval=true']);
  await live.addComputeNode('n-compute-1', { nodeInfo: { labels: { zone: 'a', gpu: 'none' } } });
});
afterAll(() => live.stop());

describe('node', () => {
  it('list: a golden table with the default column groups', async () => {
    const run = await live.run(['node', 'list', '--no-style', '--order-by', 'type']);
    expect(run.stderr).toBe('');
    const orchestrator = live.node.nodeID.slice(0, 10);
    // the orchestrator has the labels every Go node has; its 43-character name widens the column
    const runtime = `os_arch=${goArch(process.arch)} os_type=${goOS(process.platform)}`;
    expect(run.stdout).toBe(
      ' ID           TYPE       APPROVAL  STATUS     LABELS                                       CPU    MEMORY    DISK      GPU \n' +
        ' n-compute-1  Compute    PENDING   CONNECTED  gpu=none zone=a                              4.0 /  8.6 GB /  107 GB /  0 / \n' +
        '                                                                                           4.0    8.6 GB    107 GB    0   \n' +
        ` ${orchestrator}   Requester  APPROVED  CONNECTED  name=${live.node.nodeID}                                 \n` +
        `                                              ${runtime}                                                 \n`,
    );
  });

  it('list: filters, column groups, csv and json', async () => {
    const pending = await live.run(['node', 'list', '--filter-approval', 'pending', '--output', 'json']);
    expect((JSON.parse(pending.stdout) as { Info: { NodeID: string } }[]).map((n) => n.Info.NodeID)).toEqual([
      'n-compute-1',
    ]);
    const csv = await live.run([
      'node',
      'list',
      '--show',
      'features',
      '--labels',
      'zone=a',
      '--output',
      'csv',
    ]);
    expect(csv.stdout).toBe(
      'id,type,approval,status,engines,inputs from,outputs\n' +
        'n-compute-1,Compute,PENDING,CONNECTED,docker wasm noop,inline urlDownload local s3 ipfs,noop local s3 ipfs\n',
    );
    const bad = await live.run(['node', 'list', '--filter-status', 'sleeping']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      `cannot use 'sleeping' as filter-status value, should be one of: ["connected" "disconnected"]`,
    );
  });

  it('approve, describe, reject, delete', async () => {
    expect(await live.run(['node', 'approve', 'n-compute-1'])).toEqual({
      code: 0,
      stdout: 'Ok\n',
      stderr: '',
    });
    const again = await live.run(['node', 'approve', 'n-compute-1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^\nError: node n-compute-1 .*already approved/);
    const describe = await live.run(['node', 'describe', 'n-compute-1']);
    const state = parse(describe.stdout) as { Membership: string; Info: { Labels: Record<string, string> } };
    expect(state.Membership).toBe('APPROVED');
    expect(state.Info.Labels).toEqual({ zone: 'a', gpu: 'none' });
    expect((await live.run(['node', 'reject', 'n-compute-1', '-m', 'bye'])).stdout).toBe('Ok\n');
    expect((await live.run(['node', 'delete', 'n-compute-1'])).stdout).toBe('Ok\n');
    const missing = await live.run(['node', 'describe', 'n-compute-1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^\nError: node not found/);
  });
});

describe('agent and version', () => {
  const info = buildVersionInfo();

  it('agent alive, node, version, config', async () => {
    expect(await live.run(['agent', 'alive'])).toEqual({ code: 0, stdout: 'Status: OK\n', stderr: '' });
    expect((await live.run(['agent', 'alive', '--output', 'json'])).stdout).toBe('{"Status":"OK"}\n');
    const node = parse((await live.run(['agent', 'node'])).stdout) as { NodeID: string; NodeType: string };
    expect(node).toMatchObject({ NodeID: live.node.nodeID, NodeType: 'Requester' });
    const version = (await live.run(['agent', 'version'])).stdout;
    expect(version).toBe(
      `Bacalhau ${info.GitVersion}\nBuildDate ${goTimeString(info.BuildDate)}\nGitCommit ${info.GitCommit}\n`,
    );
    // Go prints the decoded time.Time (0001-01-01 00:00:00 +0000 UTC), not its JSON text
    expect(version).toMatch(/^BuildDate \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC$/m);
    const json = JSON.parse((await live.run(['agent', 'version', '--output', 'json'])).stdout) as object;
    expect(json).toEqual({ ...info });
    const config = parse((await live.run(['agent', 'config'])).stdout) as { API: { Host: string } };
    expect(config.API.Host).toBe('127.0.0.1');
  });

  it('version: client and server columns', async () => {
    const run = await live.run(['version', '--no-style']);
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')[0]).toMatch(/^ CLIENT +SERVER +UPDATE MESSAGE $/);
    const json = JSON.parse((await live.run(['version', '--output', 'json'])).stdout) as object;
    expect(json).toEqual({ clientVersion: { ...info }, serverVersion: { ...info } });
  });
});
