/**
 * A node's disk capacity for jobs bounds what a urlDownload input may write: a download whose size the
 * server announces is refused at the bid, as Bacalhau refuses it; one whose size it does not announce
 * (chunked) is cut off there, and the execution fails saying so.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requireWasmModule } from '../helpers/test-env.js';
import { startLiveNode, type LiveNode } from './live-node.js';

const DiskBytes = 64 * 1024;
let live: LiveNode;
let server: Server;
let unavailableGets = 0;

beforeAll(async () => {
  live = await startLiveNode([
    'Compute.Enabled=true',
    'Publishers.Types.Local.Port=0',
    `Compute.AllocatedCapacity.Disk=${DiskBytes}`,
    'InputSources.MaxRetryCount=1',
  ]);
  // /sized.bin announces its length; anything else has none: only the download can find it out
  server = createServer((req, res) => {
    // its size is known (the bid passes), its download is not available
    if (req.url === '/unavailable.txt') {
      if (req.method === 'HEAD') res.writeHead(200, { 'Content-Length': 10 }).end();
      else {
        unavailableGets++;
        res.writeHead(503).end();
      }
      return;
    }
    const body = 'x'.repeat(2 * DiskBytes);
    if (req.url === '/sized.bin') res.writeHead(200, { 'Content-Length': body.length });
    else res.writeHead(200, { 'Transfer-Encoding': 'chunked' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  server.close();
  await live.stop();
});

/** Runs hello.wasm with the server's `path` as an input; the messages of the job's executions. */
async function runWithInput(hello: string, path: string): Promise<{ url: string; messages: string[] }> {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  const run = await live.run(['wasm', 'run', '--id-only', '--wait', hello, '-i', `${url}:/data`]);
  expect(run.code).toBe(1);
  const id = run.stdout.trim().split('\n').at(-1) ?? '';
  const described = await live.run(['job', 'executions', id, '--output', 'json']);
  const executions = JSON.parse(described.stdout) as { ComputeState: { Message: string } }[];
  return { url, messages: executions.map((e) => e.ComputeState.Message) };
}

it("refuses at the bid a download the server says is larger than the node's disk for jobs", async (ctx) => {
  const { messages } = await runWithInput(requireWasmModule(ctx, 'hello'), '/sized.bin');
  // once: a refused bid is not tried again on the same node
  expect(messages).toEqual([
    // the download (131 kB) and the module together, against the 64 KiB (66 kB) the node has
    expect.stringMatching(
      /^rejected bid: insufficient resources - requested: \{CPU: .*, Disk: 13\d kB, GPU: 0\}, available: \{.*, Disk: 66 kB, GPU: 0\}$/,
    ),
  ]);
});

it("fails a download larger than the node's disk capacity for jobs, naming the setting", async (ctx) => {
  const { url, messages } = await runWithInput(requireWasmModule(ctx, 'hello'), '/data.bin');
  expect(messages.length).toBeGreaterThan(0);
  for (const message of messages) {
    expect(message).toBe(
      `InputSources[0].Source.Params.URL: ${url} is larger than this node's disk capacity for jobs, ${DiskBytes} bytes`,
    );
  }
});

it('tries a download InputSources.MaxRetryCount more times after the first, as Go does', async (ctx) => {
  const { messages } = await runWithInput(requireWasmModule(ctx, 'hello'), '/unavailable.txt');
  expect(messages.length).toBeGreaterThan(0);
  for (const message of messages) expect(message).toMatch(/\(2 attempts\)/);
  expect(unavailableGets).toBe(2 * messages.length);
});
