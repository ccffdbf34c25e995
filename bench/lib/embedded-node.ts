/**
 * The embedded default as `bacalhau serve` runs it (orchestrator + compute node in one process, HTTP
 * API on a free loopback port, SQLite under a temp data dir). The node and its data dir are removed by
 * `cleanup`, also on Ctrl+C.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from '../../src/config/index.js';
import type { Executor } from '../../src/executor/types.js';
import { ServeNode } from '../../src/node/serve.js';
import { silentLogger } from '../../src/orchestrator/planner/index.js';
import type { Cleanup } from './cleanup.js';

export interface EmbeddedNode {
  node: ServeNode;
  dataDir: string;
  /** Background failures of the node's components (any one makes the run suspect). */
  errors: string[];
}

export async function startEmbeddedNode(
  cleanup: Cleanup,
  engines: Readonly<Record<string, Executor>> = {},
): Promise<EmbeddedNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-bench-'));
  cleanup.add(() => rmSync(dataDir, { recursive: true, force: true }));
  const errors: string[] = [];
  const node = await ServeNode.start({
    config: load({
      env: {},
      home: dataDir,
      dataDir,
      config: [
        'API.Host=127.0.0.1',
        'API.Port=0',
        'Orchestrator.Enabled=true',
        'Compute.Enabled=true',
        'Publishers.Types.Local.Port=0',
      ],
    }),
    logger: silentLogger,
    engines,
    onError: (error, component) => errors.push(`${component}: ${String(error)}`),
  });
  cleanup.add(() => node.stop());
  return { node, dataDir, errors };
}
