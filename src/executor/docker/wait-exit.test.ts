import type Docker from 'dockerode';
import { expect, it } from 'vitest';
import { lookAt } from './wait-exit.js';

/** What docker-modem rejects with when a request's abort signal fires (its timeout, here). */
const timedOut = (): Error => Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });

/** A container whose inspects answer, in turn, as `answers` say. */
function container(...answers: (() => Promise<unknown>)[]): Pick<Docker.Container, 'inspect'> {
  let calls = 0;
  return { inspect: () => (answers[calls++] ?? answers[answers.length - 1]!)() } as never;
}

const exited = (): Promise<unknown> => Promise.resolve({ State: { Running: false, ExitCode: 0, Error: '' } });

it('looks again once when a look times out, so a node held up past the timeout does not fail its execution', async () => {
  expect(await lookAt(container(() => Promise.reject(timedOut()), exited))).toEqual({
    running: false,
    status: { StatusCode: 0, Error: null },
  });
});

it('takes a daemon that times out twice as unreachable', async () => {
  expect(await lookAt(container(() => Promise.reject(timedOut())))).toEqual({
    error: 'The operation was aborted',
  });
});
