// Job network ports end to end on the real engine: the compute node's allocator gives a Host-mode busybox
// task a free port from the range, the task listens on it (BACALHAU_HOST_PORT_web), the test talks to it
// over loopback, and the port is free again once released. Bridge publishing is checked at the
// create-options level (src/executor/docker/container-config.test.ts): this daemon has no bridge.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import Docker from 'dockerode';
import { afterAll, expect, it } from 'vitest';
import { hostEnvResolver, executionEnv } from '../../src/compute/env.js';
import { canListen, PortAllocator } from '../../src/compute/ports/allocator.js';
import { DockerExecutor } from '../../src/executor/docker/executor.js';
import { makeRequest, withTempDir } from '../../src/executor/testing.js';
import type { NetworkConfig } from '../../src/models/network.js';
import { testExecution, testJob } from '../../src/transport/testing/index.js';
import { describeWithEnv, dockerEnv } from '../helpers/test-env.js';

const RangeStart = 20000;
const RangeEnd = 32000;

/** Sends `text` to 127.0.0.1:`port`, retrying until the task listens (or `deadline` passes). */
async function sendWhenListening(port: number, text: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port }, () => socket.end(text, resolve));
        socket.once('error', reject);
      });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describeWithEnv('docker job ports', dockerEnv(), (env) => {
  const executorID = `tports${randomUUID().slice(0, 8)}`;
  const docker = new Docker(env.socketPath === null ? {} : { socketPath: env.socketPath });
  let executor: DockerExecutor | undefined;

  afterAll(async () => {
    await executor?.stop();
    const left = await docker.listContainers({ all: true });
    const ours = left.filter((c) => c.Labels['bacalhau-executor'] === executorID);
    await Promise.all(ours.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    expect(ours.map((c) => c.Names[0])).toEqual([]);
  });

  it('lets a Host-mode task listen on its allocated port, and frees the port afterwards', () =>
    withTempDir(async (dir) => {
      executor = await DockerExecutor.create({ id: executorID, instanceID: `i${executorID}` });
      const allocator = new PortAllocator({ rangeStart: RangeStart, rangeEnd: RangeEnd });
      const requested: NetworkConfig = { Type: 'Host', Ports: [{ Name: 'web' }] };
      const execution = testExecution();
      const ports = await allocator.allocate(execution.ID, requested);
      const hostPort = ports[0]?.Static ?? 0;
      expect(hostPort).toBeGreaterThanOrEqual(RangeStart);
      expect(hostPort).toBeLessThanOrEqual(RangeEnd);

      const network: NetworkConfig = { ...requested, Ports: ports };
      const job = testJob({ Tasks: [{ Name: 'main', Engine: { Type: 'docker' }, Network: network }] });
      const request = await makeRequest(dir, execution.ID, {
        engine: {
          Type: 'docker',
          Params: {
            Image: env.image,
            Entrypoint: ['sh', '-c', 'echo "port=$BACALHAU_PORT_web"; nc -l -p "$BACALHAU_HOST_PORT_web"'],
          },
        },
        network,
        env: executionEnv({ ...execution, Job: job }, hostEnvResolver([])),
      });
      await executor.start(request);
      await sendWhenListening(hostPort, 'hello over loopback\n', Date.now() + 20_000);
      const result = await executor.wait(execution.ID);
      expect(result.Stdout).toBe(`port=${hostPort}\nhello over loopback\n`);

      allocator.release(execution.ID);
      expect(allocator.availableInRange).toBe(RangeEnd - RangeStart + 1);
      expect(await canListen(hostPort)).toBe(true);
    }));
});
