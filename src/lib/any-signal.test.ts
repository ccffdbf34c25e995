import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { anySignal } from './any-signal.js';

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
});
