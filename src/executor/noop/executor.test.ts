import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { ErrorCode } from '../../models/bacerrors.js';
import { runExecutorContract, type ContractTask } from '../executor.contract.js';
import type { RunCommandRequest } from '../types.js';
import { NoopExecutor, type NoopJobContext, type NoopJobOutcome } from './executor.js';
import { makeRequest, withTempDir } from '../testing.js';

/** One step of the little script the contract's tasks are written in for the noop executor. */
type Step =
  | { out: string }
  | { err: string }
  | { exit: number }
  | { sleepMs: number }
  | { write: { output: string; file: string; content: string } }
  | { cat: string }
  | { env: true }
  | { flood: string };

const task = (...steps: Step[]): ContractTask => ({ engine: { Type: 'noop', Params: { Steps: steps } } });

/** Runs a script from the engine params: the hook a test suite gives the noop executor. */
async function scriptHandler(ctx: NoopJobContext): Promise<NoopJobOutcome> {
  const steps = (ctx.request.engine.Params?.['Steps'] ?? []) as Step[];
  for (const step of steps) {
    if ('out' in step) await ctx.stdout(step.out);
    else if ('err' in step) await ctx.stderr(step.err);
    else if ('exit' in step) return { exitCode: step.exit };
    else if ('sleepMs' in step) await sleep(step.sleepMs, undefined, { signal: ctx.signal });
    else if ('write' in step) {
      await writeFile(join(ctx.request.resultsDir, step.write.output, step.write.file), step.write.content);
    } else if ('cat' in step) await ctx.stdout(await readFile(hostPath(ctx.request, step.cat)));
    else if ('flood' in step) while (!ctx.signal.aborted) await ctx.stdout(step.flood);
    else for (const [k, v] of Object.entries(ctx.request.env)) await ctx.stdout(`${k}=${v}\n`);
  }
  return {};
}

function hostPath(request: RunCommandRequest, path: string): string {
  const input = request.inputs.find((i) => !relative(i.target, path).startsWith('..'));
  if (input === undefined) throw new Error(`${path} is not inside an input`);
  return join(input.source, relative(input.target, path));
}

runExecutorContract('noop', {
  create: () => Promise.resolve(new NoopExecutor({ hooks: { jobHandler: scriptHandler } })),
  print: (stdout, stderr) => task({ out: stdout }, { err: stderr }),
  interleave: (lines) =>
    task(
      ...Array.from({ length: lines }, (_, i) => [
        { out: `stdout ${i + 1}\n` },
        { err: `stderr ${i + 1}\n` },
      ]).flat(),
    ),
  exit: (code) => task({ exit: code }),
  sleep: (ms) => task({ sleepMs: ms }),
  writeOutput: (output, file, content) => task({ write: { output: output.Name, file, content } }),
  catInput: (path) => task({ cat: path }),
  printEnv: () => task({ env: true }),
  flood: () => task({ flood: 'y\n' }),
});

describe('noop executor hooks', () => {
  it('without a job handler, ends at once with exit code 0 and empty output', () =>
    withTempDir(async (dir) => {
      const executor = new NoopExecutor();
      const req = await makeRequest(dir, 'e-default');
      await executor.start(req);
      const result = await executor.wait('e-default');
      expect([result.Stdout, result.stderr, result.ExitCode, result.ErrorMsg]).toEqual(['', '', 0, '']);
    }));

  it('turns a job handler error into a failed result', () =>
    withTempDir(async (dir) => {
      const executor = new NoopExecutor({
        hooks: {
          jobHandler: () => Promise.reject(new Error('injected failure')),
        },
      });
      await executor.start(await makeRequest(dir, 'e-fail'));
      expect(await executor.wait('e-fail')).toMatchObject({ ErrorMsg: 'injected failure', ExitCode: 0 });
    }));

  it('abandons a handler that ignores the abort signal', () =>
    withTempDir(async (dir) => {
      const executor = new NoopExecutor({ hooks: { jobHandler: () => new Promise(() => undefined) } });
      await executor.start(await makeRequest(dir, 'e-stuck'));
      await executor.cancel('e-stuck');
      await expect(executor.wait('e-stuck')).rejects.toMatchObject({
        code: ErrorCode.ExecutionAlreadyCancelled,
      });
    }));

  it('asks the installed and bid hooks', async () => {
    const executor = new NoopExecutor({
      hooks: {
        isInstalled: () => false,
        shouldBid: () => ({ shouldBid: false, reason: 'no' }),
        shouldBidBasedOnUsage: (_req, usage) => ({ shouldBid: usage.CPU < 1, reason: 'cpu' }),
      },
    });
    const bid = { nodeID: 'n-1', job: {} as never };
    expect(await executor.isInstalled()).toBe(false);
    expect(await executor.shouldBid(bid)).toEqual({ shouldBid: false, reason: 'no' });
    expect(await executor.shouldBidBasedOnUsage(bid, { CPU: 2, Memory: 0, Disk: 0, GPU: 0 })).toMatchObject({
      shouldBid: false,
    });
    expect(await new NoopExecutor().shouldBid(bid)).toMatchObject({ shouldBid: true });
  });

  it('forgets a finished execution after the retention period', () =>
    withTempDir(async (dir) => {
      const clock = new ManualClock();
      const executor = new NoopExecutor({ clock, retainFinishedMs: 1000 });
      await executor.start(await makeRequest(dir, 'e-old'));
      await executor.wait('e-old');
      clock.advance(999);
      await executor.wait('e-old');
      clock.advance(1);
      await expect(executor.wait('e-old')).rejects.toMatchObject({ code: ErrorCode.ExecutionNotFound });
    }));

  it('forgets the longest finished executions early once more than retainFinishedMax have finished', () =>
    withTempDir(async (dir) => {
      const clock = new ManualClock();
      const executor = new NoopExecutor({
        clock,
        retainFinishedMs: 1000,
        retainFinishedMax: 2,
        hooks: { jobHandler: scriptHandler },
      });
      const running = await makeRequest(dir, 'e-running', { engine: task({ sleepMs: 60_000 }).engine });
      await executor.start(running);
      for (const id of ['e-1', 'e-2', 'e-3']) {
        await executor.start(await makeRequest(dir, id));
        await executor.wait(id);
      }
      await expect(executor.wait('e-1')).rejects.toMatchObject({ code: ErrorCode.ExecutionNotFound });
      await expect(executor.start(await makeRequest(dir, 'e-2'))).rejects.toMatchObject({
        code: ErrorCode.ExecutionAlreadyComplete,
      });
      await executor.wait('e-3');
      // the forgotten execution's retention timer went with it; e-running holds none and does not count
      expect(clock.pendingTimers).toBe(2);
      await executor.cancel('e-running');
      await expect(executor.wait('e-running')).rejects.toMatchObject({
        code: ErrorCode.ExecutionAlreadyCancelled,
      });
    }));

  it.each([0, -1, 1.5, Number.NaN])('refuses to remember %d finished executions', (max) => {
    expect(() => new NoopExecutor({ retainFinishedMax: max })).toThrow(/retainFinishedMax must be/u);
  });
});
