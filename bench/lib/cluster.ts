/**
 * The orchestrator every benchmark measures: a real one with its SQLite store in a file under `dir`,
 * simulated compute nodes on the in-memory transport without message copies (as in the embedded mode),
 * on the wall clock. nats-cluster.ts builds the same over NATS.
 */
import { join } from 'node:path';
import { TestCluster, type TestNodeOptions } from '../../src/node/testing.js';

/** The simulated nodes' options, whatever transport they use. */
export const BenchNodeOptions: TestNodeOptions = Object.freeze({
  // Heartbeats keep the nodes CONNECTED through a run longer than DisconnectTimeout.
  heartbeatIntervalMs: 15_000,
  // Nothing a run does is kept for assertions: memory (and GC) stays that of the orchestrator.
  record: false,
});

export function benchCluster(dir: string, nodes: number): Promise<TestCluster> {
  return TestCluster.create({
    clock: 'system',
    nodes,
    nodeOptions: BenchNodeOptions,
    storePath: join(dir, 'orchestrator.db'),
    transportCopy: 'none',
    recordOutcomes: false,
  });
}
