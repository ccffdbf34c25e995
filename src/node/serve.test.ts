// `serve` as one process: what it warns of at start, and what its stop does when a part fails to stop.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { load } from '../config/index.js';
import { ServeNode } from './serve.js';

describe('ServeNode.stop', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'serve-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A node with both roles on free ports, with `config` on top. */
  const start = (config: string[], onError?: (error: unknown, component: string) => void) =>
    ServeNode.start({
      config: load({
        env: {},
        home: dir,
        dataDir: dir,
        config: [
          'Orchestrator.Enabled=true',
          'Compute.Enabled=true',
          'API.Port=0',
          'Publishers.Types.Local.Port=0',
          'Engines.Disabled=docker',
          ...config,
        ],
      }),
      ...(onError === undefined ? {} : { onError }),
    });

  it('stops every other part and unlocks the data dir when one part fails to stop, and reports it', async () => {
    const failures: [unknown, string][] = [];
    const node = await start([], (error, component) => failures.push([error, component]));
    const full = new Error('database or disk is full');
    vi.spyOn(node.compute!, 'stop').mockRejectedValue(full);
    const orchestratorStop = vi.spyOn(node.orchestrator!, 'stop');

    await expect(node.stop()).resolves.toBeUndefined();
    expect(failures).toEqual([[full, 'Compute']]);
    expect(orchestratorStop).toHaveBeenCalled();
    expect(node.state).toBe('stopped');
    expect(existsSync(join(dir, 'bacalhau.lock'))).toBe(false);
  });

  it('reports an API request that failed unexpectedly with the request it answered', async () => {
    const failures: [unknown, string][] = [];
    const node = await start([], (error, component) => failures.push([error, component]));
    try {
      const broken = new Error('disk I/O error');
      vi.spyOn(node.orchestrator!.components.store, 'listJobs').mockRejectedValue(broken);
      const response = await fetch(`${node.address}/api/v1/orchestrator/jobs?limit=3`);
      expect(response.status).toBe(500);
      const { RequestID } = (await response.json()) as { RequestID: string };
      expect(failures).toEqual([
        [broken, `APIServer (GET /api/v1/orchestrator/jobs?limit=3, request ${RequestID})`],
      ]);
    } finally {
      await node.stop();
    }
  });

  it('warns at start of an authentication method it cannot offer (its policy is Rego)', async () => {
    const policy = join(dir, 'ask.rego');
    writeFileSync(policy, 'package bacalhau.authn\n');
    const node = await start([`API.Auth.Methods={"Shared": {"Type": "ask", "PolicyPath": "${policy}"}}`]);
    try {
      expect(node.warnings.filter((w) => w.startsWith('API.Auth.Methods.'))).toEqual([
        'API.Auth.Methods.Shared: its policy is Rego, which bacalhau-ts cannot evaluate yet, so the method is ' +
          'not offered (a client naming it is told so); the challenge type without a PolicyPath works, as do ' +
          'API.Auth.Users with passwords or API keys',
      ]);
    } finally {
      await node.stop();
    }
  });

  it('warns at start of IPFS endpoints and a managed S3 bucket, which Bacalhau serves and bacalhau-ts not yet', async () => {
    const node = await start([
      'InputSources.Types.IPFS.Endpoint=/ip4/127.0.0.1/tcp/5001',
      'Publishers.Types.IPFS.Endpoint=/ip4/127.0.0.1/tcp/5001',
      'Publishers.Types.S3Managed.Bucket=results',
    ]);
    try {
      const notServed = (w: string) => /^(InputSources|Publishers)\.Types\.(IPFS|S3Managed)/.test(w);
      expect(node.warnings.filter(notServed)).toEqual([
        'InputSources.Types.IPFS.Endpoint: bacalhau-ts cannot read IPFS inputs yet, so this node ' +
          'does not offer the ipfs input source and takes no job with an IPFS input',
        'Publishers.Types.IPFS.Endpoint: bacalhau-ts cannot publish to IPFS yet, so this node ' +
          'does not offer the ipfs publisher and takes no job that publishes there',
        'Publishers.Types.S3Managed.Bucket: bacalhau-ts has no managed S3 publisher yet, so no ' +
          'bacalhau-ts compute node takes a job that publishes with s3managed',
      ]);
    } finally {
      await node.stop();
    }
  });

  it('warns at start that a DisconnectTimeout shorter than three heartbeat intervals does not apply as set', async () => {
    const node = await start(['Orchestrator.NodeManager.DisconnectTimeout=8s']);
    try {
      expect(node.warnings.filter((w) => w.startsWith('Orchestrator.NodeManager.'))).toEqual([
        'Orchestrator.NodeManager.DisconnectTimeout (8s) is shorter than 3 heartbeat intervals of a compute node ' +
          '(Compute.Heartbeat.Interval, 5s): a node is declared lost after 3 of its intervals without a ' +
          "heartbeat at the soonest; lower the compute nodes' Compute.Heartbeat.Interval for the timeout to " +
          'apply as set',
      ]);
    } finally {
      await node.stop();
    }
    const quick = await start([
      'Orchestrator.NodeManager.DisconnectTimeout=8s',
      'Compute.Heartbeat.Interval=2s',
    ]);
    await quick.stop();
    expect(quick.warnings.filter((w) => w.startsWith('Orchestrator.NodeManager.'))).toEqual([]);
  });
});
