// The compute half of `serve` as a whole (the node itself is tested in compute-node.test.ts): what it
// does with its engines when it stops, its spare execution folders, and that it forgets old executions.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { load } from '../config/index.js';
import { NoopExecutor } from '../executor/noop/executor.js';
import { messageForUpsert } from '../compute/outbox.js';
import { ExecutionPaths } from '../compute/paths.js';
import { SqliteExecutionStore } from '../compute/store/sqlite-store.js';
import { InMemoryTransportHub } from '../transport/in-memory/transport.js';
import { testExecution } from '../transport/testing/index.js';
import { Compute, withoutDaemonWarning } from './compute.js';

/** An engine whose daemon no longer answers: releasing what it holds never ends. */
class UnansweredEngine extends NoopExecutor {
  stopCalls = 0;
  stop(): Promise<void> {
    this.stopCalls += 1;
    return new Promise(() => undefined);
  }
}

/** A compute node in `dir` with a noop engine for docker, on a hub of its own. */
async function startCompute(dir: string): Promise<{ hub: InMemoryTransportHub; compute: Compute }> {
  const hub = await InMemoryTransportHub.create();
  const compute = await Compute.create({
    config: load({ env: {}, home: dir, dataDir: dir, config: ['Publishers.Types.Local.Port=0'] }),
    nodeID: 'n-compute',
    instanceID: 'i-compute',
    transport: await hub.createComputeTransport({ nodeId: 'n-compute', startTime: new Date() }),
    engines: { docker: new NoopExecutor() },
  });
  return { hub, compute };
}

describe('Compute', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compute-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('warns when no Docker daemon answers, naming where it looked and the fix', async () => {
    const saved = process.env['DOCKER_HOST'];
    process.env['DOCKER_HOST'] = `unix://${join(dir, 'no-daemon.sock')}`;
    const hub = await InMemoryTransportHub.create();
    const warnings: string[] = [];
    try {
      const compute = await Compute.create({
        config: load({ env: {}, home: dir, dataDir: dir, config: ['Publishers.Types.Local.Port=0'] }),
        nodeID: 'n-compute',
        instanceID: 'i-compute',
        transport: await hub.createComputeTransport({ nodeId: 'n-compute', startTime: new Date() }),
        onWarning: (message) => warnings.push(message),
      });
      await compute.stop();
    } finally {
      if (saved === undefined) delete process.env['DOCKER_HOST'];
      else process.env['DOCKER_HOST'] = saved;
      await hub.stop();
    }
    expect(warnings.filter((w) => w.includes('Docker'))).toEqual([
      `No Docker daemon answers at unix://${join(dir, 'no-daemon.sock')}: this node runs no Docker jobs. ` +
        'Start the daemon (or point DOCKER_HOST at it) and restart the node, or add docker to ' +
        'Engines.Disabled to say so',
    ]);
  });

  it("says how to fix a Docker socket that refuses the node's user (not to start the daemon)", () => {
    expect(withoutDaemonWarning('unix:///var/run/docker.sock', 'permission denied')).toBe(
      "The Docker daemon at unix:///var/run/docker.sock refuses this node's user (permission denied): " +
        "this node runs no Docker jobs. Run the node as a user who may use the daemon's socket: root, or a " +
        'member of its group (usually docker), and restart the node, or add docker to Engines.Disabled to say so',
    );
  });

  it('stops without an engine that cannot release what it holds, and says so', async () => {
    const hub = await InMemoryTransportHub.create();
    const stuck = new UnansweredEngine();
    const warnings: string[] = [];
    const compute = await Compute.create({
      config: load({ env: {}, home: dir, dataDir: dir, config: ['Publishers.Types.Local.Port=0'] }),
      nodeID: 'n-compute',
      instanceID: 'i-compute',
      transport: await hub.createComputeTransport({ nodeId: 'n-compute', startTime: new Date() }),
      engines: { docker: stuck },
      engineReleaseMs: 50,
      onWarning: (message) => warnings.push(message),
    });
    await compute.stop();
    await hub.stop();
    expect(stuck.stopCalls).toBe(1);
    // (no orchestrator serves this hub: the node's connection warnings come first)
    expect(warnings.filter((w) => w.includes('engine'))).toEqual([
      'The docker engine did not release its executions within 0.05 s (is its daemon answering?): the node ' +
        'stops without waiting; the containers it could not stop are taken up again, or removed, when it starts again',
    ]);
  });

  it('keeps spare execution folders while it runs, made afresh when it starts, and none once stopped', async () => {
    const spareDir = join(dir, 'compute', 'executions', 'spare');
    // not a name a spare of this start takes: only the removal at start can take it away
    mkdirSync(join(spareDir, '99'), { recursive: true });
    writeFileSync(join(spareDir, '99', 'left'), 'by a killed process');
    const { hub, compute } = await startCompute(dir);
    try {
      await expect.poll(() => readdirSync(spareDir).length).toBeGreaterThan(0);
      expect(existsSync(join(spareDir, '99'))).toBe(false);
    } finally {
      await compute.stop();
      await hub.stop();
    }
    expect(existsSync(spareDir)).toBe(false);
  });

  it('forgets, once it started, the executions a previous process ended more than an hour before', async () => {
    const computeDir = join(dir, 'compute');
    const endedAt = Date.now() - 2 * 3_600_000;
    const previous = SqliteExecutionStore.open({
      path: join(computeDir, 'executions.db'),
      outbox: messageForUpsert,
      now: () => endedAt,
    });
    for (const id of ['e-old', 'e-unacknowledged']) {
      previous.create(testExecution({ id }));
      previous.update({
        executionID: id,
        newValues: { ComputeState: { StateType: 'Completed', Message: '' } },
      });
      if (id === 'e-old') previous.ackOutbox(Number.MAX_SAFE_INTEGER);
    }
    previous.close();
    const { root } = await new ExecutionPaths(join(computeDir, 'executions')).prepare('e-old');

    const { hub, compute } = await startCompute(dir);
    try {
      await expect.poll(() => compute.node.store.find('e-old')).toBeUndefined();
      expect(existsSync(root)).toBe(false);
      // its result never reached the orchestrator: the node keeps it to send it again
      expect(compute.node.store.find('e-unacknowledged')).toBeDefined();
      expect(compute.node.store.count('Completed')).toBe(2);
    } finally {
      await compute.stop();
      await hub.stop();
    }
  });
});
