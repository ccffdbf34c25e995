/**
 * The orchestrator every benchmark measures: a real one with its SQLite store in a file under `dir`,
 * simulated compute nodes on the in-memory transport without message copies (as in the embedded mode),
 * on the wall clock.
 */
import { join } from 'node:path';
import { TestCluster } from '../../src/node/testing.js';

export function benchCluster(dir: string, nodes: number): Promise<TestCluster> {
  return TestCluster.create({
    clock: 'system',
    nodes,
    // Heartbeats keep the nodes CONNECTED through a run longer than DisconnectTimeout.
    nodeOptions: { heartbeatIntervalMs: 15_000 },
    storePath: join(dir, 'orchestrator.db'),
    transportCopy: 'none',
  });
}
