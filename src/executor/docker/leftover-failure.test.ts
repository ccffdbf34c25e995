/**
 * A container left by a previous run of the node that cannot be taken up again, against a fake daemon:
 * the failures a real one will not produce on demand (a removal it refuses, a log request it never
 * answers). The paths that a real daemon can drive are in test/integration/executor-docker.test.ts.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { makeRequest } from '../testing.js';
import { DockerExecutor } from './executor.js';
import { executionLabelValue, Label } from './naming.js';

const dir = mkdtempSync(join(tmpdir(), 'bacalhau-ts-leftover-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scope = { executorID: 'n-leftover', instanceID: 'instance-1' };
const executionID = 'e-left';
const containerID = 'c0ffee';

type LogAnswer = 'hang' | 'refuse';

/**
 * A daemon that lists one container of `executionID`, fails to inspect it (so it cannot be taken up
 * again), answers its log request as `logs` says and refuses to remove it.
 */
async function fakeDaemon(
  logs: LogAnswer,
): Promise<{ server: Server; host: string; removals: () => number }> {
  let removals = 0;
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path.endsWith('/_ping')) res.end('OK');
    else if (req.method === 'GET' && path.endsWith('/containers/json')) {
      json(res, 200, [
        {
          Id: containerID,
          Names: ['/leftover'],
          State: 'running',
          Image: 'local/busybox:latest',
          Labels: {
            [Label.Executor]: scope.executorID,
            [Label.Instance]: scope.instanceID,
            [Label.Execution]: executionLabelValue(scope.executorID, executionID),
            [Label.Role]: 'executor',
          },
          HostConfig: { NetworkMode: 'none' },
        },
      ]);
    } else if (path.endsWith(`/containers/${containerID}/json`)) json(res, 500, { message: 'inspect broke' });
    else if (path.endsWith(`/containers/${containerID}/logs`)) {
      if (logs === 'refuse')
        json(res, 501, { message: 'configured logging driver does not support reading' });
      // 'hang': never answers
    } else if (req.method === 'DELETE') {
      removals++;
      json(res, 500, { message: 'driver failed to remove root filesystem' });
    } else json(res, 404, { message: 'not faked' });
  });
  const socket = join(dir, `daemon-${logs}.sock`);
  server.listen(socket);
  await once(server, 'listening');
  return { server, host: `unix://${socket}`, removals: () => removals };
}

describe('a leftover container that cannot be taken up again', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    vi.unstubAllEnvs();
  });

  async function startAgainst(logs: LogAnswer) {
    const daemon = await fakeDaemon(logs);
    cleanups.push(() => new Promise((resolve) => daemon.server.close(resolve)));
    daemon.server.on('connection', (socket) => cleanups.push(() => Promise.resolve(socket.destroy())));
    vi.stubEnv('DOCKER_HOST', daemon.host);
    const executor = await DockerExecutor.create({ id: scope.executorID, instanceID: scope.instanceID });
    const request = await makeRequest(join(dir, logs), executionID, {
      engine: { Type: 'docker', Params: { Image: 'local/busybox:latest' } },
    });
    return {
      daemon,
      executor,
      outcome: executor.start(request).then(
        () => undefined,
        (err: Error) => err,
      ),
    };
  }

  it('says that its containers stay when the daemon refuses to remove them, and how to remove them', async () => {
    const { daemon, executor, outcome } = await startAgainst('refuse');
    const err = await outcome;
    expect(err?.message).toBe(
      'inspecting the container left by the previous run: Error response from daemon: inspect broke; its containers stay: ' +
        `removing container ${containerID}: Error response from daemon: driver failed to remove root filesystem`,
    );
    expect((err as { hint?: string }).hint).toBe(
      `Remove them with: docker rm -f $(docker ps -aq --filter label=${Label.Execution}=` +
        `${executionLabelValue(scope.executorID, executionID)}) (the node removes them when it stops or next starts)`,
    );
    expect(daemon.removals()).toBe(1);
    // (a failed removal once escaped as an unhandled rejection, which ended the node's process:
    // vitest fails the run on one)
    await new Promise((resolve) => setTimeout(resolve, 50));
    cleanups.push(() => executor.stop());
  });

  it('is removed without its log when the daemon does not answer the log request', async () => {
    const { daemon, executor, outcome } = await startAgainst('hang');
    expect((await outcome)?.message).toMatch(
      /^inspecting the container left by the previous run: Error response from daemon: inspect broke; its containers stay: /,
    );
    expect(daemon.removals()).toBe(1);
    cleanups.push(() => executor.stop());
  }, 30_000);
});
