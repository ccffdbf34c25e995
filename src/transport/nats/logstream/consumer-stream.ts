/**
 * One log stream as its consumer reads it: results wait here, in arrival order, until the reader pulls
 * them; a watchdog ends the stream with an error when the producer stays silent (no frame, no heartbeat
 * naming the stream) for the request timeout, which is how a node that is away, or went away mid-stream,
 * is noticed.
 *
 * The protocol (Go's) has no flow control: the producer sends as fast as it reads its log. A reader that
 * falls `maxBufferedChars` behind (a client on a slow link, or one that stopped reading) ends the stream
 * with an error rather than have the rest of a large log pile up in memory.
 */
import { Deque } from '../../../lib/deque.js';
import type { ExecutionLog } from '../../../models/index.js';
import { notAnsweringError, readerBehindError, stoppedAnsweringError } from './errors.js';

/** One item of a log stream: a line, or the error that ended the stream (the API's `ExecutionLogResult`). */
export type ExecutionLogResult =
  { value: ExecutionLog; error?: undefined } | { error: Error; value?: undefined };

export interface ConsumerStreamOptions {
  nodeId: string;
  /** The subject the request went to: heartbeats name the stream under it. */
  subject: string;
  /** Silence allowed before the stream fails (ms). */
  timeoutMs: number;
  /** Called once, when the stream ends in any way. */
  onEnd: () => void;
  /** Characters of lines received and not yet read past which the stream fails. Default 64 Mi. */
  maxBufferedChars?: number;
}

const DefaultMaxBufferedChars = 64 * 1024 * 1024;

export class ConsumerStream {
  readonly nodeId: string;
  readonly subject: string;
  readonly #options: ConsumerStreamOptions;
  readonly #items = new Deque<ExecutionLogResult>();
  readonly #maxBufferedChars: number;
  /** Characters of the lines waiting in `#items`. */
  #bufferedChars = 0;
  #ended = false;
  /** Whether the producer was heard of at all: decides between "did not answer" and "stopped". */
  #answered = false;
  #watchdog: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;

  constructor(options: ConsumerStreamOptions) {
    this.nodeId = options.nodeId;
    this.subject = options.subject;
    this.#options = options;
    this.#maxBufferedChars = options.maxBufferedChars ?? DefaultMaxBufferedChars;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Starts counting silence (the request went out). */
  watch(): void {
    if (this.#ended) return;
    const { timeoutMs, nodeId } = this.#options;
    this.#watchdog = setTimeout(() => {
      this.fail(this.#answered ? stoppedAnsweringError(nodeId, timeoutMs) : notAnsweringError(nodeId));
    }, timeoutMs);
  }

  /** The producer showed the stream is alive. */
  heard(): void {
    this.#answered = true;
    // Restarts the countdown without a new timer: this runs for every line.
    this.#watchdog?.refresh();
  }

  push(value: ExecutionLog): void {
    if (this.#ended) return;
    this.heard();
    this.#bufferedChars += value.Line.length;
    if (this.#bufferedChars > this.#maxBufferedChars) {
      this.fail(readerBehindError(this.#options.nodeId, this.#maxBufferedChars));
      return;
    }
    this.#items.push({ value });
    this.#wakeReader();
  }

  /** Ends the stream after what was received, with `error` as its last item. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#items.push({ error });
    this.end();
  }

  /** Ends the stream after what was received. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#watchdog);
    this.#wakeReader();
    this.#options.onEnd();
  }

  /** Ends the stream now, dropping what the reader did not take (the reader went away). */
  cancel(): void {
    this.#items.clear();
    this.#bufferedChars = 0;
    this.end();
  }

  /** The next result; undefined once the stream ended and everything was read. One reader at a time. */
  async next(): Promise<ExecutionLogResult | undefined> {
    for (;;) {
      const item = this.#items.shift();
      if (item?.value !== undefined) this.#bufferedChars -= item.value.Line.length;
      if (item !== undefined || this.#ended) return item;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
