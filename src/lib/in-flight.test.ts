import { expect, it } from 'vitest';
import { InFlight } from './in-flight.js';

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

it('settles once the work under way is done, including work added while it waits', async () => {
  const inFlight = new InFlight();
  const [first, second] = [deferred(), deferred()];
  inFlight.add(first.promise);
  let settled = false;
  const waiting = inFlight.settled().then(() => (settled = true));
  inFlight.add(second.promise);
  first.resolve();
  await first.promise;
  await new Promise((r) => setImmediate(r));
  expect(settled).toBe(false);
  second.resolve();
  await waiting;
  expect(settled).toBe(true);
});

it('settles at once when nothing is under way, finished work forgotten', async () => {
  const inFlight = new InFlight();
  await inFlight.settled();
  inFlight.add(Promise.resolve());
  await inFlight.settled();
  let settled = false;
  await inFlight.settled().then(() => (settled = true));
  expect(settled).toBe(true);
});
