import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeInTurn } from './drain.js';

describe('writeInTurn', () => {
  it('waits while a stream is full, until its reader takes the output', async () => {
    const pipe = new PassThrough({ highWaterMark: 4 });
    let done = false;
    const writing = writeInTurn(pipe, 'more than four bytes').then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    expect(String(pipe.read())).toBe('more than four bytes');
    await writing;
    expect(done).toBe(true);
  });

  it('returns at once while the stream has room, and for sinks that are not streams', async () => {
    const pipe = new PassThrough({ highWaterMark: 1024 });
    await writeInTurn(pipe, 'short');
    const written: string[] = [];
    await writeInTurn({ write: (text) => written.push(text) }, 'to a buffer');
    expect(written).toEqual(['to a buffer']);
  });

  it('stops waiting when the signal aborts (Ctrl+C)', async () => {
    const pipe = new PassThrough({ highWaterMark: 4 });
    const interrupt = new AbortController();
    const writing = writeInTurn(pipe, 'never read', interrupt.signal);
    interrupt.abort();
    await expect(writing).resolves.toBeUndefined();
  });
});
