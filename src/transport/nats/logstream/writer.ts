/**
 * Writes one stream's frames to the consumer's reply subject: log lines, then exactly one close frame.
 *
 * NATS has no flow control, and nats.js buffers every publish in memory until the socket takes it, so
 * a long log read without `Follow` would otherwise sit in memory whole. Every {@link FlushEveryBytes} the
 * writer waits for the server to have received what was sent (a flush round trip), which bounds that.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { ExecutionLog } from '../../../models/index.js';
import { encodeCloseFrame, encodeLogFrame } from './wire.js';

export const FlushEveryBytes = 1024 * 1024;

export class FrameWriter {
  readonly #nc: NatsConnection;
  readonly #subject: string;
  #unflushed = 0;
  #closed = false;

  constructor(nc: NatsConnection, subject: string) {
    this.#nc = nc;
    this.#subject = subject;
  }

  /** Whether the close frame was sent (or attempted): nothing more goes out. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Publishes one line; resolves when the next may be written.
   * @throws the publish failure (connection closed, frame over the server's max payload).
   */
  async write(log: ExecutionLog): Promise<void> {
    if (this.#closed) return;
    const frame = encodeLogFrame(log);
    this.#nc.publish(this.#subject, frame);
    this.#unflushed += frame.length;
    if (this.#unflushed < FlushEveryBytes) return;
    this.#unflushed = 0;
    await this.#nc.flush();
  }

  /**
   * Ends the stream with `code`; later calls do nothing. A failure to publish is swallowed: the consumer
   * then learns from the heartbeats stopping.
   */
  close(code: number, text = ''): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#nc.publish(this.#subject, encodeCloseFrame(code, text));
    } catch {
      // See above.
    }
  }
}
