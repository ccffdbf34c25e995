/**
 * The node fleet's process (see node-fleet.ts): argv[2] is its FleetSpec as JSON; it reports on the IPC
 * channel. Each node heartbeats on its own phase of the interval from the moment it is connected; a
 * node found disconnected handshakes again instead, as a compute node does.
 */
import type { FakeComputeNode } from '../../src/transport/testing/index.js';
import { phaseDelayMs } from './heartbeat-phase.js';
import { closeAll, connectFakeNodes, dialShared } from './nats-cluster.js';
import type { FleetCommand, FleetEvent, FleetReport, FleetSpec } from './node-fleet.js';

const KeptErrors = 5;

const spec = JSON.parse(process.argv[2] ?? '{}') as FleetSpec;
const report: FleetReport = { heartbeats: 0, failedHeartbeats: 0, reconnects: 0, errors: [] };
const timers: NodeJS.Timeout[] = [];
const origin = performance.now();

function tell(event: FleetEvent, then?: () => void): void {
  process.send?.(event, undefined, {}, () => then?.());
}

function failed(err: unknown): void {
  if (report.errors.length < KeptErrors) report.errors.push(err instanceof Error ? err.message : String(err));
}

async function beat(node: FakeComputeNode): Promise<void> {
  try {
    if (node.transport.state === 'connected') {
      await node.heartbeat();
      report.heartbeats++;
    } else {
      report.reconnects++;
      await node.connect();
    }
  } catch (err) {
    report.failedHeartbeats++;
    failed(err);
  }
}

function heartbeatEvery(node: FakeComputeNode, index: number): void {
  const { nodes, heartbeatIntervalMs: interval } = spec;
  const first = phaseDelayMs(index, nodes, interval, performance.now() - origin);
  timers.push(
    setTimeout(() => {
      void beat(node);
      timers.push(setInterval(() => void beat(node), interval));
    }, first),
  );
}

// The parent went away (killed, crashed): nothing is left to measure.
process.on('disconnect', () => process.exit(0));

try {
  const connections = await dialShared(spec.url, spec.connections, 'bench-fleet');
  process.on('message', (command: FleetCommand) => {
    if (command.type !== 'stop') return;
    for (const timer of timers) clearTimeout(timer);
    // No shutdown notices: the orchestrator is stopped next anyway, and 10,000 of them take a while.
    tell({ type: 'stopped', report }, () => void closeAll(connections).finally(() => process.exit(0)));
  });
  const start = performance.now();
  await connectFakeNodes({
    connections,
    count: spec.nodes,
    onConnected: heartbeatEvery,
    onError: failed,
  });
  tell({ type: 'connected', connectMs: performance.now() - start });
} catch (err) {
  tell({ type: 'failed', message: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
}
