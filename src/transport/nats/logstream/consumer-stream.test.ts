import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, type BacalhauError } from '../../../models/index.js';
import { ConsumerStream } from './consumer-stream.js';

const line = (text: string) => ({ Type: 1 as const, Line: text });

function newStream(timeoutMs = 1000) {
  const onEnd = vi.fn();
  const stream = new ConsumerStream({ nodeId: 'n-1', subject: 's', timeoutMs, onEnd });
  return { stream, onEnd };
}

async function drain(stream: ConsumerStream): Promise<unknown[]> {
  const items: unknown[] = [];
  for (let item = await stream.next(); item !== undefined; item = await stream.next()) items.push(item);
  return items;
}

describe('ConsumerStream', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('hands lines over in order, also those that arrived before the end', async () => {
    const { stream, onEnd } = newStream();
    const reading = drain(stream);
    stream.push(line('a'));
    await Promise.resolve();
    stream.push(line('b'));
    stream.end();
    stream.push(line('late'));
    expect(await reading).toEqual([{ value: line('a') }, { value: line('b') }]);
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('ends with the error as its last item', async () => {
    const { stream } = newStream();
    stream.push(line('a'));
    stream.fail(new Error('boom'));
    stream.fail(new Error('again'));
    const items = await drain(stream);
    expect(items).toHaveLength(2);
    expect((items[1] as { error: Error }).error.message).toBe('boom');
  });

  it('drops what was not read when cancelled', async () => {
    const { stream, onEnd } = newStream();
    stream.push(line('a'));
    stream.cancel();
    expect(await drain(stream)).toEqual([]);
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('fails once its reader falls more than maxBufferedChars behind, counting only what is unread', async () => {
    const onEnd = vi.fn();
    const mib = 1024 * 1024;
    const stream = new ConsumerStream({
      nodeId: 'n-1',
      subject: 's',
      timeoutMs: 1000,
      onEnd,
      maxBufferedChars: 3 * mib,
    });
    const chunk = line('x'.repeat(mib));
    stream.push(chunk);
    stream.push(chunk);
    // read lines make room: four in all pass, never more than three unread
    expect(await stream.next()).toEqual({ value: chunk });
    stream.push(chunk);
    stream.push(chunk);
    expect(onEnd).not.toHaveBeenCalled();
    stream.push(chunk);
    expect(onEnd).toHaveBeenCalledTimes(1);
    const items = (await drain(stream)) as { value?: unknown; error?: BacalhauError }[];
    expect(items.slice(0, 3)).toEqual([{ value: chunk }, { value: chunk }, { value: chunk }]);
    expect(items[3]?.error?.message).toBe(
      'the log stream from node n-1 was cut: its reader fell more than 3 MiB behind',
    );
    expect(items[3]?.error?.code).toBe(ErrorCode.ResourceExhausted);
    expect(items).toHaveLength(4);
  });

  it('fails with "did not answer" when the node never speaks', async () => {
    const { stream } = newStream(1000);
    stream.watch();
    await vi.advanceTimersByTimeAsync(1000);
    const [item] = (await drain(stream)) as [{ error: BacalhauError }];
    expect(item.error.message).toBe('node n-1 did not answer the log request: is it connected?');
    expect(item.error.code).toBe(ErrorCode.NetworkFailure);
  });

  it('counts silence from the last sign of life, and then says the node stopped answering', async () => {
    const { stream } = newStream(1000);
    stream.watch();
    await vi.advanceTimersByTimeAsync(900);
    stream.heard();
    await vi.advanceTimersByTimeAsync(900);
    expect(stream.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    const [item] = (await drain(stream)) as [{ error: Error }];
    expect(item.error.message).toBe('node n-1 stopped answering the log stream (silent for 1 s)');
  });

  it('stops its watchdog when it ends', () => {
    const { stream } = newStream();
    stream.watch();
    stream.end();
    expect(vi.getTimerCount()).toBe(0);
  });
});
