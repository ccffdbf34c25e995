/**
 * Keeps a compute node connected to its orchestrator (the timing half of Go's NCL connection manager):
 * handshake, and again with backoff after any loss; a heartbeat every interval carrying live capacity;
 * node info re-sent every info interval when it changed. The transport performs single operations
 * (see transport/types.ts); this decides when.
 *
 * Backoff: 1 s doubling to 5 s, each delay shortened by up to a quarter at random so a fleet that lost
 * its orchestrator does not knock in step. Bacalhau's is 10 s doubling to 2 min, which can keep a node
 * away for minutes after a short outage; a failed handshake costs one small request, so retrying
 * every few seconds is cheap, and it must land well within one DisconnectTimeout (20 s) of the
 * orchestrator's return, or the node's work is rescheduled. When the transport reports the network
 * back (a NATS reconnect), the node handshakes at once. A handshake the orchestrator refused (the
 * node was rejected, or its name is taken) waits for an operator, not for a network: it is retried
 * doubling up to a minute, so the log gets a line a minute rather than every few seconds.
 */
import type { Clock, Timer } from '../lib/clock.js';
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { isHandshakeRequired } from '../transport/errors.js';
import type { NodeInfo } from '../models/index.js';
import type { ComputeTransport, HeartbeatCapacity } from '../transport/types.js';

export interface ConnectionOptions {
  transport: ComputeTransport;
  clock: Clock;
  nodeInfo: () => NodeInfo;
  capacity: () => HeartbeatCapacity;
  heartbeatIntervalMs: number;
  infoUpdateIntervalMs: number;
  /** First retry delay after a failed handshake; doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** The longest delay after a handshake the orchestrator refused; default 60 s. */
  maxRefusedDelayMs?: number;
  /** Failures worth a log line: a failing heartbeat, a node info update refused. */
  onError: (error: unknown) => void;
  /**
   * A handshake failed (orchestrator away, refused) and will be tried again in `retryInMs`; expected
   * while the orchestrator is down, so a warning rather than an error. Default: `onError`.
   */
  onRetry?: (error: unknown, retryInMs: number) => void;
  /** The orchestrator refused the handshake, for `reason` (Bacalhau's text, e.g. `node has been rejected`). */
  onRefused?: (reason: string) => void;
  /** The handshake was accepted (first time or again). */
  onConnected?: () => void;
}

export class ConnectionKeeper {
  readonly #o: ConnectionOptions;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  readonly #maxRefusedDelay: number;
  #delay: number;
  #reconnectTimer: Timer | undefined;
  #heartbeatTimer: Timer | undefined;
  #infoTimer: Timer | undefined;
  #lastInfo = '';
  #connecting: Promise<void> | undefined;
  #stopped = false;
  readonly #unsubscribe: () => void;

  constructor(options: ConnectionOptions) {
    this.#o = options;
    this.#minDelay = options.reconnectDelayMs ?? 1000;
    this.#maxDelay = options.maxReconnectDelayMs ?? 5000;
    this.#maxRefusedDelay = options.maxRefusedDelayMs ?? 60_000;
    this.#delay = this.#minDelay;
    const unsubscribeState = options.transport.onStateChange((state) => {
      if (state === 'disconnected') this.#scheduleReconnect();
    });
    const unsubscribeReachable = options.transport.onReachable?.(() => this.#reconnectNow());
    this.#unsubscribe = () => {
      unsubscribeState();
      unsubscribeReachable?.();
    };
  }

  /** Handshakes now; on failure keeps retrying in the background. Resolves after the first attempt. */
  start(): Promise<void> {
    this.#scheduleHeartbeat();
    this.#scheduleInfoUpdate();
    return this.#connect();
  }

  /** Sends a heartbeat now (also used when capacity changed a lot, e.g. an execution ended). */
  async heartbeat(): Promise<void> {
    if (this.#stopped || this.#o.transport.state !== 'connected') return;
    try {
      await this.#o.transport.heartbeat(this.#o.capacity());
    } catch (err) {
      // A lost connection shows as a state change, which schedules the reconnect. HandshakeRequired is
      // one too (the orchestrator restarted, or gave the node up): routine, and the reconnect says
      // whatever goes wrong with it. Only a failure that left the connection up is worth a line.
      if (!isHandshakeRequired(err) && this.#o.transport.state === 'connected') this.#o.onError(err);
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe();
    for (const timer of [this.#reconnectTimer, this.#heartbeatTimer, this.#infoTimer]) timer?.cancel();
  }

  #connect(): Promise<void> {
    this.#connecting ??= (async () => {
      const info = this.#o.nodeInfo();
      let failed: unknown = false;
      try {
        const response = await this.#o.transport.connect(info);
        if (!response.accepted) {
          const reason = response.reason ?? 'handshake refused';
          throw new BacalhauError(reason, { code: ErrorCode.Forbidden, details: { reason } });
        }
        this.#lastInfo = JSON.stringify(info);
        this.#delay = this.#minDelay;
        this.#o.onConnected?.();
      } catch (err) {
        failed = err ?? new Error('handshake failed');
      } finally {
        this.#connecting = undefined;
      }
      // Only now: a retry scheduled while this attempt still counted as under way would be dropped.
      if (failed !== false) {
        const refusal =
          failed instanceof BacalhauError && failed.code === ErrorCode.Forbidden ? failed : undefined;
        if (refusal !== undefined) this.#o.onRefused?.(String(refusal.details['reason'] ?? refusal.message));
        const retryInMs = this.#scheduleReconnect(
          refusal === undefined ? this.#maxDelay : this.#maxRefusedDelay,
        );
        if (this.#o.onRetry === undefined) this.#o.onError(failed);
        else this.#o.onRetry(failed, retryInMs);
      }
    })();
    return this.#connecting;
  }

  /** The network is back: handshake now rather than at the end of the backoff. */
  #reconnectNow(): void {
    if (this.#stopped || this.#o.transport.state !== 'disconnected' || this.#connecting !== undefined) return;
    this.#reconnectTimer?.cancel();
    this.#reconnectTimer = undefined;
    this.#delay = this.#minDelay;
    void this.#connect();
  }

  /**
   * Schedules the next handshake (unless one is due or under way) and returns when it will be; the
   * delay doubles up to `maxDelay`.
   */
  #scheduleReconnect(maxDelay = this.#maxDelay): number {
    if (this.#stopped || this.#reconnectTimer !== undefined || this.#connecting !== undefined)
      return this.#delay;
    const delay = this.#delay * (1 - Math.random() / 4);
    this.#delay = Math.min(this.#delay * 2, maxDelay);
    this.#reconnectTimer = this.#o.clock.setTimer(delay, () => {
      this.#reconnectTimer = undefined;
      if (this.#o.transport.state === 'disconnected') void this.#connect();
    });
    return delay;
  }

  #scheduleHeartbeat(): void {
    if (this.#stopped) return;
    this.#heartbeatTimer = this.#o.clock.setTimer(this.#o.heartbeatIntervalMs, () => {
      this.#scheduleHeartbeat();
      void this.heartbeat();
    });
  }

  #scheduleInfoUpdate(): void {
    if (this.#stopped) return;
    this.#infoTimer = this.#o.clock.setTimer(this.#o.infoUpdateIntervalMs, () => {
      this.#scheduleInfoUpdate();
      void this.#updateInfo();
    });
  }

  async #updateInfo(): Promise<void> {
    if (this.#o.transport.state !== 'connected') return;
    const info = this.#o.nodeInfo();
    const serialized = JSON.stringify(info);
    if (serialized === this.#lastInfo) return;
    try {
      await this.#o.transport.updateNodeInfo(info);
      this.#lastInfo = serialized;
    } catch (err) {
      // as for heartbeats: HandshakeRequired is the reconnect's to handle, not worth an error line
      if (!isHandshakeRequired(err) && this.#o.transport.state === 'connected') this.#o.onError(err);
    }
  }
}
