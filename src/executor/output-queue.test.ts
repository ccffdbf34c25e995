import { describe, expect, it } from 'vitest';
import { ExecutionLogType } from '../models/execution.js';
import { joinRuns, MaxJoinedBytes, OutputQueue } from './output-queue.js';

const { Stdout, Stderr } = ExecutionLogType;
const bytes = (text: string): Uint8Array => Buffer.from(text);
const text = (data: Uint8Array): string => Buffer.from(data).toString();

/** A queue whose writes finish only when the test says so; the batches it was asked to record. */
function gatedQueue() {
  const recorded: [ExecutionLogType, string][][] = [];
  const gates: (() => void)[] = [];
  const reported: number[] = [];
  const failures: unknown[] = [];
  let fail: Error | undefined;
  const queue = new OutputQueue({
    record: (chunks) => {
      recorded.push(chunks.map(({ type, data }) => [type, text(data)]));
      if (fail !== undefined) return Promise.reject(fail);
      return new Promise<void>((resolve) => gates.push(resolve));
    },
    onRecorded: (n) => reported.push(n),
    onFailure: (err) => failures.push(err),
  });
  const openGates = async (): Promise<void> => {
    while (gates.length > 0) {
      gates.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { queue, recorded, reported, failures, openGates, failWith: (err: Error) => (fail = err) };
}

describe('OutputQueue', () => {
  it('writes the first piece at once and what comes meanwhile in one batch, a run per stream', async () => {
    const { queue, recorded, reported, openGates } = gatedQueue();
    queue.push(Stdout, bytes('a\n'));
    expect(recorded).toEqual([[[Stdout, 'a\n']]]);
    queue.push(Stdout, bytes('b\n'));
    queue.push(Stdout, bytes('c\n'));
    queue.push(Stderr, bytes('d\n'));
    queue.push(Stdout, bytes('e\n'));
    expect(queue.pendingBytes).toBe(10);
    await openGates();
    await queue.drained();
    expect(recorded).toEqual([
      [[Stdout, 'a\n']],
      [
        [Stdout, 'b\nc\n'],
        [Stderr, 'd\n'],
        [Stdout, 'e\n'],
      ],
    ]);
    expect(reported).toEqual([2, 8]);
    expect(queue.pendingBytes).toBe(0);
  });

  it('drained waits for pieces pushed while an earlier batch was being written', async () => {
    const { queue, recorded, openGates } = gatedQueue();
    queue.push(Stdout, bytes('1'));
    const drained = queue.drained();
    queue.push(Stderr, bytes('2'));
    let settled = false;
    void drained.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    await openGates();
    await drained;
    expect(recorded).toEqual([[[Stdout, '1']], [[Stderr, '2']]]);
  });

  it('ignores empty pieces and is drained when it holds nothing', async () => {
    const { queue, recorded } = gatedQueue();
    queue.push(Stdout, new Uint8Array(0));
    await queue.drained();
    expect(recorded).toEqual([]);
  });

  it('tells about a failed write once and drops what it holds and what comes later', async () => {
    const { queue, recorded, failures, openGates, failWith } = gatedQueue();
    queue.push(Stdout, bytes('kept'));
    queue.push(Stderr, bytes('lost'));
    failWith(new Error('disk full'));
    await openGates();
    await queue.drained();
    queue.push(Stdout, bytes('later'));
    await queue.drained();
    expect(recorded).toEqual([[[Stdout, 'kept']], [[Stderr, 'lost']]]);
    expect(failures).toEqual([new Error('disk full')]);
    expect(queue.pendingBytes).toBe(0);
  });
});

describe('joinRuns', () => {
  it('joins a run of one stream up to MaxJoinedBytes, and keeps a bigger piece whole', () => {
    const half = new Uint8Array(MaxJoinedBytes / 2);
    const big = new Uint8Array(MaxJoinedBytes + 1);
    const joined = joinRuns([
      { type: Stdout, data: half },
      { type: Stdout, data: half },
      { type: Stdout, data: half },
      { type: Stdout, data: big },
    ]);
    expect(joined.map((p) => p.data.length)).toEqual([
      MaxJoinedBytes,
      MaxJoinedBytes / 2,
      MaxJoinedBytes + 1,
    ]);
    expect(joined[2]!.data).toBe(big);
  });
});
