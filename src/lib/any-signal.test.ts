import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { anySignal, eitherSignal } from './any-signal.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('anySignal', () => {
  it('fires when a timeout that nothing else holds runs out, collections meanwhile', async () => {
    const signal = anySignal([AbortSignal.timeout(200), new AbortController().signal]);
    const collecting = setInterval(gc, 20);
    try {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    } finally {
      clearInterval(collecting);
    }
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('fires with the reason of the first source to fire', () => {
    const controller = new AbortController();
    const signal = anySignal([new AbortController().signal, controller.signal]);
    controller.abort(new Error('stop'));
    expect(signal.reason).toEqual(new Error('stop'));
  });

  it('is aborted at once, with its reason, when a source already was', () => {
    const signal = anySignal([new AbortController().signal, AbortSignal.abort('done')]);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('done');
  });

  it('keeps nothing on a long-lived source for the signals made from it that were dropped', async () => {
    // a node's stop signal, combined with one signal per execution for as long as the node runs
    const stopping = new AbortController();
    const settle = async (): Promise<number> => {
      for (let i = 0; i < 3; i++) {
        gc();
        // the clean-ups of collected signals run on a later turn of the event loop
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return process.memoryUsage().heapUsed;
    };
    // a few thousand a turn, collected between turns (a WeakRef keeps its target until the turn ends)
    const combine = async (): Promise<void> => {
      for (let turn = 0; turn < 25; turn++) {
        for (let i = 0; i < 2000; i++) anySignal([stopping.signal, new AbortController().signal]);
        await new Promise((resolve) => setImmediate(resolve));
        gc();
      }
    };
    await combine(); // the first round's one-off costs (compiled code, tables grown to their working size)
    const before = await settle();
    for (let round = 0; round < 4; round++) await combine();
    // AbortSignal.any kept ~50 bytes a call on `stopping` for good: ~10 MB over these 200,000
    expect((await settle()) - before).toBeLessThan(2_000_000);
    // and the source still aborts what is alive
    const alive = anySignal([stopping.signal, new AbortController().signal]);
    stopping.abort(new Error('stopping'));
    expect(alive.reason).toEqual(new Error('stopping'));
  });
});

describe('eitherSignal', () => {
  it('is undefined for no signal, the signal itself for one, and fires with any of several', () => {
    const one = new AbortController();
    const other = new AbortController();
    expect(eitherSignal(undefined, undefined)).toBeUndefined();
    expect(eitherSignal(undefined, one.signal)).toBe(one.signal);
    const either = eitherSignal(one.signal, undefined, other.signal);
    other.abort(new Error('other'));
    expect(either?.reason).toEqual(new Error('other'));
  });
});
