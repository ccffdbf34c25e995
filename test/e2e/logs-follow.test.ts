/**
 * `bacalhau job logs --follow` against a real `serve` process that goes away mid-stream: killed, or
 * stopped. The output so far is not all of it, and the job may still be running, so the CLI must not
 * end as if the execution had finished (exit 0, nothing said), as Go's client does not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { requireWasmModule } from '../helpers/test-env.js';
import { commonArgs, ServeProcess } from './process-cluster.js';

let dir: string | undefined;
let node: ServeProcess | undefined;
afterEach(async () => {
  await node?.kill('SIGKILL');
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** An embedded node (orchestrator and compute) on loopback ports of its own. */
async function startNode(): Promise<Record<string, string>> {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-logs-follow-'));
  // its HOME and BACALHAU_DIR are `dir`; Orchestrator.Port=0: a free port for its NATS server, if any
  const args = ['-c', 'Orchestrator.Host=127.0.0.1', '-c', 'Orchestrator.Port=0'];
  node = new ServeProcess('node', dir, ['serve', ...commonArgs(), ...args]);
  await node.start();
  return { HOME: dir, BACALHAU_API_HOST: '127.0.0.1', BACALHAU_API_PORT: node.apiPort };
}

describe('job logs --follow', () => {
  for (const [signal, cause] of [
    ['SIGKILL', 'the log stream ended before the server finished it (close 1006 (abnormal closure))'],
    [
      'SIGTERM',
      'the server closed the log stream before it ended (close 1001 (going away): the node is shutting down)',
    ],
  ] as const) {
    it(`fails, saying why, when the node gets ${signal} while the job runs`, async (ctx) => {
      const sleep = requireWasmModule(ctx, 'sleep');
      const env = await startNode();
      const submitted = await cli(['wasm', 'run', '--id-only', '--wait=false', sleep, '--', '60000'], {
        env,
      });
      const id = submitted.stdout.trim();
      const state = async (): Promise<string> => {
        const described = await cli(['job', 'describe', id, '--output', 'json'], { env });
        return (JSON.parse(described.stdout) as { Job: { State: { StateType: string } } }).Job.State
          .StateType;
      };
      await expect.poll(state, { timeout: 20_000 }).toBe('Running');
      const following = cli(['job', 'logs', '--follow', id], { env });
      await new Promise((resolve) => setTimeout(resolve, 1000)); // the stream is open
      await node?.kill(signal);
      const run = await following;
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `\nError: error reading log output: ${cause}\n` +
          `Hint:  the output above may be incomplete, and the job may still be running: check with ` +
          `'bacalhau job describe ${id}', and read its logs again once the node is back\n`,
      );
    });
  }
});
