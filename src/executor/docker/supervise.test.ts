/**
 * The supervision of a container's run, against a stand-in for dockerode's container: what the parts
 * that need a daemon failing at an awkward moment do to the run's output.
 */
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { recorderFor } from '../base-executor.js';
import { makeRequest, withTempDir } from '../testing.js';
import { runContainer } from './supervise.js';

/** One frame of Docker's multiplexed stream, on stdout. */
function stdoutFrame(text: string): Buffer {
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([header, Buffer.from(text)]);
}

/** A container's attach giving `stream`, which ends when the request's signal aborts, as dockerode's does. */
function attachTo(stream: PassThrough) {
  return ({ abortSignal }: { abortSignal: AbortSignal }) => {
    abortSignal.addEventListener('abort', () => stream.destroy(), { once: true });
    return Promise.resolve(stream);
  };
}

/** `runContainer` starting `container` (a fake of the dockerode calls it makes), with nothing to stop it. */
function started(container: object, recorder: Parameters<typeof runContainer>[0]['recorder']) {
  return runContainer({
    container: container as never,
    recorder,
    start: true,
    signal: new AbortController().signal,
    cleanup: () => Promise.resolve(),
  });
}

it('stops recording before it closes the output files when the run fails after the exit', async () => {
  await withTempDir(async (dir) => {
    const request = await makeRequest(dir, 'e-1');
    const recorder = await recorderFor(request);
    const stream = new PassThrough();
    const container = {
      attach: attachTo(stream),
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      wait: () => Promise.resolve({ StatusCode: 0 }),
      // the daemon fails the inspect after the exit: the run ends with that, the output still open
      inspect: () => Promise.reject(new Error('daemon hiccup')),
    };
    stream.write(stdoutFrame('first\n'));
    const { done } = await started(container, recorder);
    await expect(done).rejects.toThrow('daemon hiccup');
    // files opened now may take the numbers of the recorder's closed ones
    const others = [0, 1, 2].map((i) => join(dir, `other-${i}`));
    const fds = others.map((path) => openSync(path, 'w+'));
    try {
      stream.write(stdoutFrame('late output\n'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const path of others) expect(readFileSync(path, 'utf8')).toBe('');
    } finally {
      fds.forEach((fd) => closeSync(fd));
    }
    expect(stream.destroyed).toBe(true);
    expect(readFileSync(join(request.resultsDir, 'stdout'), 'utf8')).toBe('first\n');
  });
});

it('fails the run with the fix when the node has no file descriptor left to start the container with', async () => {
  await withTempDir(async (dir) => {
    const request = await makeRequest(dir, 'e-1');
    const recorder = await recorderFor(request);
    const stream = new PassThrough();
    const container = {
      attach: attachTo(stream),
      start: () =>
        Promise.reject(Object.assign(new Error('connect EMFILE /var/run/docker.sock'), { code: 'EMFILE' })),
    };
    const run = started(container, recorder);
    await expect(run).rejects.toMatchObject({
      message: 'failed to start container: connect EMFILE /var/run/docker.sock',
      hint: expect.stringMatching(/^the compute node has no file descriptor left/u) as unknown,
    });
  });
});
