/**
 * A node's disk capacity for jobs bounds what a urlDownload input may write: a download whose size the
 * server does not announce (chunked) is cut off there, and the execution fails saying so.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requireWasmModule } from '../helpers/test-env.js';
import { startLiveNode, type LiveNode } from './live-node.js';

const DiskBytes = 64 * 1024;
let live: LiveNode;
let server: Server;

beforeAll(async () => {
  live = await startLiveNode([
    'Compute.Enabled=true',
    'Publishers.Types.Local.Port=0',
    `Compute.AllocatedCapacity.Disk=${DiskBytes}`,
  ]);
  // no Content-Length: only the download itself can find the size out
  server = createServer((_req, res) => {
    res.writeHead(200, { 'Transfer-Encoding': 'chunked' });
    res.end('x'.repeat(2 * DiskBytes));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  server.close();
  await live.stop();
});

it("fails a download larger than the node's disk capacity for jobs, naming the setting", async (ctx) => {
  const hello = requireWasmModule(ctx, 'hello');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.bin`;
  const run = await live.run(['wasm', 'run', '--id-only', '--wait', hello, '-i', `${url}:/data`]);
  expect(run.code).toBe(1);
  const id = run.stdout.trim().split('\n').at(-1) ?? '';
  const described = await live.run(['job', 'executions', id, '--output', 'json']);
  const messages = (JSON.parse(described.stdout) as { ComputeState: { Message: string } }[]).map(
    (e) => e.ComputeState.Message,
  );
  expect(messages.length).toBeGreaterThan(0);
  for (const message of messages) {
    expect(message).toBe(
      `InputSources[0].Source.Params.URL: ${url} is larger than this node's disk capacity for jobs, ${DiskBytes} bytes`,
    );
  }
});
