/**
 * A live `serve` node for end-to-end tests: the same composition `bacalhau serve` runs (ServeNode),
 * listening on a random loopback port, with a data dir of its own and fake compute nodes attached to
 * its in-memory hub so that jobs complete. The CLI runs in-process against it, exactly as a user's
 * shell would after `source <data dir>/bacalhau.run`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '../../src/config/index.js';
import { ServeNode } from '../../src/node/serve.js';
import { silentLogger } from '../../src/orchestrator/planner/index.js';
import { FakeComputeNode, type FakeComputeNodeOptions } from '../../src/transport/testing/index.js';
import { cli, type CliRun } from '../helpers/cli.js';

export interface LiveNode {
  readonly node: ServeNode;
  readonly dataDir: string;
  /** Environment pointing the CLI at the node (what `bacalhau.run` exports), with a private HOME. */
  readonly env: Record<string, string>;
  /** Runs `bacalhau <args>` against the node. */
  run(args: string[], options?: { stdin?: string; signal?: AbortSignal }): Promise<CliRun>;
  /** A fake compute node on the node's hub. */
  addComputeNode(id: string, options?: Omit<FakeComputeNodeOptions, 'transport'>): Promise<FakeComputeNode>;
  stop(): Promise<void>;
}

export async function startLiveNode(config: readonly string[] = []): Promise<LiveNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bacalhau-e2e-'));
  const node = await ServeNode.start({
    config: load({
      env: {},
      home: dataDir,
      dataDir,
      config: ['API.Host=127.0.0.1', 'API.Port=0', 'Orchestrator.Enabled=true', ...config],
    }),
    logger: silentLogger,
  });
  const computeNodes: FakeComputeNode[] = [];
  const env = {
    HOME: dataDir,
    BACALHAU_DIR: join(dataDir, 'client'),
    BACALHAU_API_HOST: '127.0.0.1',
    BACALHAU_API_PORT: String(node.apiPort),
  };
  return {
    node,
    dataDir,
    env,
    run: (args, options = {}) => cli(args, { env, cwd: dataDir, ...options }),
    async addComputeNode(id, options = {}) {
      const transport = await node.hub.createComputeTransport({ nodeId: id, startTime: new Date() });
      const compute = await FakeComputeNode.create({ ...options, transport });
      computeNodes.push(compute);
      return compute;
    },
    async stop() {
      for (const compute of computeNodes) await compute.stop();
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
