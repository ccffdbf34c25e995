import { describe, expect, it } from 'vitest';
import { NoopExecutor } from '../../executor/noop/executor.js';
import type { Resources } from '../../models/resources.js';
import { EngineRegistry } from '../engines.js';
import { executorResourceStrategy, executorSemanticStrategy } from './executor-specific.js';
import { requestWith } from './testing.js';
import { bidResponse } from './types.js';

describe('executor-specific strategies', () => {
  const usages: Resources[] = [];
  const picky = new NoopExecutor({
    hooks: {
      shouldBid: () =>
        bidResponse(false, 'support the available image platforms [linux/arm64] (supports [linux/amd64])'),
      shouldBidBasedOnUsage: (_request, usage) => {
        usages.push(usage);
        return bidResponse(usage.GPU === 0, 'run jobs without GPUs');
      },
    },
  });
  const broken = new NoopExecutor({ hooks: { isInstalled: () => false } });
  const engines = new EngineRegistry(
    { docker: picky, noop: new NoopExecutor(), wasm: broken, off: new NoopExecutor() },
    ['off'],
  );
  const semantic = executorSemanticStrategy(engines);
  const engine = (Type: string) => requestWith({ Engine: { Type, Params: {} } });

  it('refuses an engine that is absent, not installed or disabled, before asking any executor', async () => {
    for (const type of ['python', 'wasm', 'off', 'WASM']) {
      expect(await semantic.shouldBid(engine(type))).toEqual({
        shouldBid: false,
        reason: `this node does not support "${type}"`,
      });
    }
  });

  it("passes on the executor's refusal", async () => {
    expect(await semantic.shouldBid(engine('Docker'))).toEqual({
      shouldBid: false,
      reason:
        'this node does not support the available image platforms [linux/arm64] (supports [linux/amd64])',
    });
  });

  it('accepts with both reasons joined', async () => {
    expect(await semantic.shouldBid(engine('noop'))).toEqual({
      shouldBid: true,
      reason: 'this node does support [noop]; noop executor accepts every job',
    });
  });

  it('asks the executor about the usage', async () => {
    const usage = { CPU: 1, Memory: 1, Disk: 0, GPU: 1 };
    expect(await executorResourceStrategy(engines).shouldBidBasedOnUsage(engine('docker'), usage)).toEqual({
      shouldBid: false,
      reason: 'this node does not run jobs without GPUs',
    });
    expect(usages).toEqual([usage]);
  });

  it("fails with the registry's error when asked about usage on an engine it cannot run", async () => {
    await expect(
      executorResourceStrategy(engines).shouldBidBasedOnUsage(engine('wasm'), {
        CPU: 0,
        Memory: 0,
        Disk: 0,
        GPU: 0,
      }),
    ).rejects.toMatchObject({ code: 'NotImplemented' });
  });
});
