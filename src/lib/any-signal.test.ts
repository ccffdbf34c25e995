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
