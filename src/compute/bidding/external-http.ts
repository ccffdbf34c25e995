/**
 * `JobAdmissionControl.ProbeHTTP` (Go's `semantic.ExternalHTTPStrategy`): POSTs the probe data as
 * JSON. A status of 400 or more refuses; a success whose `Content-Type` is exactly `application/json`
 * must carry `{"ShouldBid": bool, "Reason": string}` (keys in any case), which is taken as the answer
 * as it is; any other success accepts.
 */
import { blockedPortReason, isBlockedPortError } from '../../lib/blocked-ports.js';
import { BacalhauError, ErrorCode, errorMessage } from '../../models/bacerrors.js';
import { getField, isPlainObject, jsonTypeOf } from '../../models/codec.js';
import { goQuote } from '../../models/go-compat.js';
import { notConfiguredReason, probeData, probeDeadline, DefaultProbeTimeoutMs } from './probe.js';
import { bidResponse, type BidResponse, type SemanticBidStrategy } from './types.js';

const key = 'JobAdmissionControl.ProbeHTTP';
const component = 'ExternalHTTPStrategy';
/** Go's `marshaller.MaxSerializedStringInput`: 10 MiB. */
const maxAnswerBytes = 10 * 1024 * 1024;

export interface ExternalHttpOptions {
  /** Longest wait for the whole answer, body included. */
  timeoutMs?: number;
}

/**
 * @throws (as a rejection) BacalhauError NetworkFailure
 *   `ExternalHTTPStrategy: error http POST job selection policy probe data: <url> …` when the URL cannot
 *   be reached; TimeOut when it answers too slowly; ConfigurationError for an invalid URL or a JSON
 *   answer that is not a bid response; RequestCancelled when the caller's signal aborts.
 */
export function externalHttpStrategy(url: string, options: ExternalHttpOptions = {}): SemanticBidStrategy {
  const timeoutMs = options.timeoutMs ?? DefaultProbeTimeoutMs;
  return {
    async shouldBid(request, { signal } = {}) {
      if (url === '') return bidResponse(true, notConfiguredReason);
      if (!URL.canParse(url)) {
        throw new BacalhauError(`invalid probe URL ${goQuote(url)}`, {
          code: ErrorCode.ConfigurationError,
          component,
          hint: `Set ${key} to an absolute http(s) URL, or unset it.`,
        });
      }
      const deadline = probeDeadline(key, timeoutMs, signal);
      const failure = (err: unknown): BacalhauError => {
        if (deadline.signal.aborted) return deadline.abortError(`job selection probe ${url}`);
        return new BacalhauError(
          `ExternalHTTPStrategy: error http POST job selection policy probe data: ${url} Post ${goQuote(url)}: ${networkProblem(err, url)}`,
          {
            code: ErrorCode.NetworkFailure,
            component,
            retryable: true,
            hint: `Check that ${key} is right and that its server is up and reachable from this compute node.`,
            cause: err,
          },
        );
      };
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: probeData(request.job),
          signal: deadline.signal,
        });
      } catch (err) {
        throw failure(err);
      }
      const status = `accept jobs where url ${goQuote(url)} returns HTTP status code ${response.status}`;
      if (response.status >= 400 || response.headers.get('Content-Type') !== 'application/json') {
        await response.body?.cancel().catch(() => undefined);
        return bidResponse(response.status < 400, status);
      }
      const length = Number(response.headers.get('Content-Length') ?? NaN);
      if (length > maxAnswerBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw answerError(`http result too large (${length} > ${maxAnswerBytes})`);
      }
      let body: ArrayBuffer;
      try {
        body = await response.arrayBuffer();
      } catch (err) {
        throw failure(err);
      }
      if (body.byteLength > maxAnswerBytes) {
        throw answerError(`http result too large (${body.byteLength} > ${maxAnswerBytes})`);
      }
      return decodeAnswer(new TextDecoder().decode(body));
    },
  };
}

/** Go's `json.Unmarshal` into a `BidStrategyResponse`, with its type-mismatch messages. */
function decodeAnswer(text: string): BidResponse {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw answerError(`error unmarshalling http response: ${errorMessage(err)}`);
  }
  if (raw === null) return { shouldBid: false, reason: '' };
  if (!isPlainObject(raw)) {
    throw answerError(
      `error unmarshalling http response: json: cannot unmarshal ${jsonTypeOf(raw)} into Go value of type bidstrategy.BidStrategyResponse`,
    );
  }
  const field = <T>(name: string, type: 'boolean' | 'string', goType: string, zero: T): T => {
    const value = getField(raw, name);
    if (value === undefined || value === null) return zero;
    if (typeof value !== type) {
      throw answerError(
        `error unmarshalling http response: json: cannot unmarshal ${jsonTypeOf(value)} into Go struct field BidStrategyResponse.${name} of type ${goType}`,
      );
    }
    return value as T;
  };
  return {
    shouldBid: field('ShouldBid', 'boolean', 'bool', false),
    reason: field('Reason', 'string', 'string', ''),
  };
}

function answerError(message: string): BacalhauError {
  return new BacalhauError(message, {
    code: ErrorCode.ConfigurationError,
    component,
    hint: `The server at ${key} must answer a JSON body {"ShouldBid": <bool>, "Reason": "<why>"} with Content-Type application/json, or any other body.`,
  });
}

/** The low-level cause fetch wraps (`connect ECONNREFUSED 127.0.0.1:9`). */
function networkProblem(err: unknown, url: string): string {
  if (isBlockedPortError(err)) return blockedPortReason(new URL(url));
  return errorMessage(err instanceof Error && err.cause !== undefined ? err.cause : err);
}
