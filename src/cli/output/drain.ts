/**
 * Much output (a job's logs) written to a sink that may be slower than its source: when the sink is a
 * stream whose buffer is full (a pipe to a pager that is not reading), waits until it drains, so that
 * the output waits in the pipe and the log stream behind it is held up, rather than piling up in this
 * process. Sinks that are not streams (the tests' string buffers) take everything at once.
 */
import { once, type EventEmitter } from 'node:events';
import type { TextSink } from '../context.js';

/** Writes `text`; resolves once the sink can take more, or `signal` aborted (Ctrl+C). */
export async function writeInTurn(sink: TextSink, text: string, signal?: AbortSignal): Promise<void> {
  const accepted: unknown = sink.write(text);
  const stream = sink as Partial<EventEmitter>;
  if (accepted !== false || typeof stream.once !== 'function') return;
  await once(stream as EventEmitter, 'drain', signal === undefined ? {} : { signal }).catch(() => undefined);
}
