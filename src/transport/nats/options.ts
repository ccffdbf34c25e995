/**
 * Options of both NATS transport ends, compiled once (defaults applied, checked, frozen), and opening the
 * connection they name.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { BacalhauError, ErrorCode } from '../../models/index.js';
import type { DataPlaneMessage, HandshakeIdentityOptions } from '../messages.js';
import { TransportComponent } from '../errors.js';
import { dialNats, type NatsConnectionOptions, type TokenSetting } from './connection.js';

/** Bacalhau's `RequestTimeout` for control-plane requests. */
export const DefaultRequestTimeoutMs = 10_000;

export interface HandlerErrorContext {
  side: 'orchestrator' | 'compute';
  nodeId: string;
  message: DataPlaneMessage;
}

/** A message that could not be read (bad envelope, unknown type, invalid payload): it was dropped. */
export interface ProtocolErrorContext {
  side: 'orchestrator' | 'compute';
  subject: string;
}

export interface NatsTransportOptions extends NatsConnectionOptions {
  /** How long a control-plane request waits for its reply, and a control handler may run (ms). */
  requestTimeoutMs?: number;
  /** A data-plane handler threw or rejected; the stream goes on. Default: console.error. */
  onHandlerError?: (error: unknown, context: HandlerErrorContext) => void;
  /** A received message could not be read and was dropped. Default: console.error. */
  onProtocolError?: (error: BacalhauError, context: ProtocolErrorContext) => void;
}

export interface NatsComputeTransportOptions extends NatsTransportOptions, HandshakeIdentityOptions {
  nodeId: string;
}

export interface CompiledOptions {
  readonly requestTimeoutMs: number;
  readonly onHandlerError: (error: unknown, context: HandlerErrorContext) => void;
  readonly onProtocolError: (error: BacalhauError, context: ProtocolErrorContext) => void;
}

export function compileOptions(options: NatsTransportOptions): CompiledOptions {
  if ((options.connection === undefined) === (options.servers === undefined)) {
    throw badOption('give either a NATS connection or the servers to dial, not both or neither');
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? DefaultRequestTimeoutMs;
  if (!(requestTimeoutMs > 0)) throw badOption(`requestTimeoutMs must be positive, got ${requestTimeoutMs}`);
  const compiled: CompiledOptions = {
    requestTimeoutMs,
    onHandlerError:
      options.onHandlerError ??
      ((error, context) =>
        console.error(`nats transport: ${context.side} handler failed on ${context.message.type}`, error)),
    onProtocolError:
      options.onProtocolError ??
      ((error, context) =>
        console.error(`nats transport: ${context.side} dropped a message on ${context.subject}`, error)),
  };
  return Object.freeze(compiled);
}

/** The connection to use: the one given, or a new one the caller owns (and must close). */
export async function openConnection(
  options: NatsConnectionOptions,
  tokenSetting: TokenSetting,
  signal: AbortSignal | undefined,
): Promise<{ nc: NatsConnection; owned: boolean }> {
  if (options.connection !== undefined) return { nc: options.connection, owned: false };
  const servers = options.servers ?? [];
  return { nc: await dialNats({ ...options, servers }, tokenSetting, signal), owned: true };
}

export function badOption(message: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.BadRequest, component: TransportComponent });
}
