/**
 * One wildcard inbox subscription per transport end for everything that comes back to it: replies to
 * its control requests (tokens `r<n>`) and acknowledgements of its data-plane messages (the owner's own
 * tokens, which must not start with `r`). Requests here can be abandoned (signal, stop) without leaving
 * a timer or a pending promise behind, which nats.js's `request` does not offer.
 */
import { createInbox } from '@nats-io/transport-node';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { raceSignals } from '../../lib/abort.js';
import { BacalhauError, ErrorCode } from '../../models/index.js';
import { abortedError, networkError, transportStoppedError, TransportComponent } from '../errors.js';
import type { Encoded } from './ncl.js';

interface Pending {
  resolve(msg: Msg): void;
  reject(error: BacalhauError): void;
  timer: NodeJS.Timeout;
}

export interface RequestOptions {
  timeoutMs: number;
  /** The caller's signal: RequestCancelled / TimeOut when it fires. */
  signal?: AbortSignal | undefined;
  /** The transport's own: ServiceUnavailable when it fires. */
  stopping: AbortSignal;
  /** Names the requesting side in the ServiceUnavailable error. */
  side: string;
}

export class ReplyInbox {
  readonly #nc: NatsConnection;
  readonly #prefix = createInbox();
  readonly #subscription: Subscription;
  readonly #pending = new Map<string, Pending>();
  #next = 0;

  /** `onReply` receives what is not a reply to a request: the owner's tokens. */
  constructor(nc: NatsConnection, onReply: (token: string, msg: Msg) => void) {
    this.#nc = nc;
    this.#subscription = nc.subscribe(`${this.#prefix}.>`, {
      callback: (_err, msg) => {
        const token = msg.subject.slice(this.#prefix.length + 1);
        const pending = this.#pending.get(token);
        if (pending === undefined) {
          if (!token.startsWith('r')) onReply(token, msg);
          return;
        }
        this.#settle(token);
        if (msg.headers?.hasError === true) pending.reject(noResponders(msg));
        else pending.resolve(msg);
      },
    });
  }

  /** The reply subject for one of the owner's tokens. */
  subject(token: string): string {
    return `${this.#prefix}.${token}`;
  }

  /**
   * Publishes `message` on `subject` and resolves with the first reply.
   * @throws BacalhauError: NetworkFailure when nobody serves `subject` or the connection is closed,
   *   TimeOut after `timeoutMs`, RequestCancelled / TimeOut when the caller's signal fires,
   *   ServiceUnavailable when `stopping` fires.
   */
  request(subject: string, message: Encoded, options: RequestOptions): Promise<Msg> {
    const token = `r${++this.#next}`;
    const reply = new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settle(token);
        reject(
          new BacalhauError(`no reply on ${subject} within ${options.timeoutMs} ms`, {
            code: ErrorCode.TimeOut,
            component: TransportComponent,
            retryable: true,
          }),
        );
      }, options.timeoutMs);
      this.#pending.set(token, { resolve, reject, timer });
    });
    try {
      this.#nc.publish(subject, message.data, { reply: this.subject(token), headers: message.headers });
    } catch (err) {
      this.#settle(token);
      return Promise.reject(networkError(`cannot publish on ${subject}: ${(err as Error).message}`));
    }
    const { signal, stopping } = options;
    return raceSignals(reply, [signal, stopping], (fired) =>
      fired === stopping ? transportStoppedError(options.side) : abortedError(fired),
    ).finally(() => this.#settle(token));
  }

  /** Fails every request still waiting (the connection dropped: their replies are lost). */
  failAll(error: BacalhauError): void {
    for (const [token, pending] of [...this.#pending]) {
      this.#settle(token);
      pending.reject(error);
    }
  }

  close(): void {
    this.failAll(networkError('transport closed'));
    this.#subscription.unsubscribe();
  }

  #settle(token: string): void {
    const pending = this.#pending.get(token);
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    this.#pending.delete(token);
  }
}

function noResponders(msg: Msg): BacalhauError {
  const status = msg.headers?.code ?? 0;
  return networkError(
    status === 503
      ? 'no responders: the orchestrator is not listening'
      : `request failed with status ${status}`,
  );
}
