/**
 * The one error type of bacalhau-ts, mirroring Bacalhau's `pkg/bacerrors`: every error that crosses a
 * boundary (API, CLI, transport) carries a machine-readable code; nothing parses messages.
 */

/** Error codes, spelled exactly as Bacalhau's `bacerrors.ErrorCode` (they appear in API bodies). */
export const ErrorCode = {
  BadRequest: 'BadRequest',
  InternalError: 'InternalError',
  NotFound: 'NotFound',
  TimeOut: 'TimeOut',
  Unauthorized: 'Unauthorized',
  Forbidden: 'Forbidden',
  ServiceUnavailable: 'ServiceUnavailable',
  NotImplemented: 'NotImplemented',
  ResourceExhausted: 'ResourceExhausted',
  ResourceInUse: 'ResourceInUse',
  VersionMismatch: 'VersionMismatch',
  ValidationError: 'ValidationError',
  TooManyRequests: 'TooManyRequests',
  NetworkFailure: 'NetworkFailure',
  ConfigurationError: 'ConfigurationError',
  DatastoreFailure: 'DatastoreFailure',
  RequestCancelled: 'RequestCancelled',
  IOError: 'IOError',
  UnknownError: 'UnknownError',
  // Codes used by Bacalhau components outside pkg/bacerrors; they map to 500 like any unknown code.
  ConflictJobState: 'ConflictJobState',
  ConflictJobRevision: 'ConflictJobRevision',
  MultipleJobsFound: 'MultipleJobsFound',
  MultipleExecutionsFound: 'MultipleExecutionsFound',
  MultipleNodesFound: 'MultipleNodesFound',
  // The node manager's codes (`pkg/orchestrator/nodes`).
  HandshakeRequired: 'HandshakeRequired',
  ConflictNodeState: 'ConflictNodeState',
  ConcurrentUpdate: 'ConcurrentUpdate',
  // The executors' codes (`pkg/executor/types.go`); the compute node branches on them.
  ExecutionAlreadyStarted: 'ExecutionAlreadyStarted',
  ExecutionAlreadyCancelled: 'ExecutionAlreadyCancelled',
  ExecutionAlreadyComplete: 'ExecutionAlreadyComplete',
  ExecutionNotFound: 'ExecutionNotFound',
  ExecutorSpecValidationErr: 'ExecutorSpecValidationErr',
  // The WASM executor's codes (`pkg/executor/wasm/errors.go`).
  ModuleNotFound: 'ModuleNotFound',
  ModuleCompileError: 'ModuleCompileError',
  UnknownModuleError: 'UnknownModuleError',
  ModuleLoadError: 'ModuleLoadError',
  EntrypointError: 'EntrypointError',
  MemoryLimitError: 'MemoryLimitError',
  InputConfigError: 'InputConfigError',
  OutputConfigError: 'OutputConfigError',
  // The Docker executor's own (`pkg/docker/errors.go`).
  ImageNotFound: 'ImageNotFound',
  ContainerNotFound: 'ContainerNotFound',
  Conflict: 'Conflict',
  SystemError: 'SystemError',
  Unavailable: 'Unavailable',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Bacalhau's `inferHTTPStatusCode`: the status an error gets when none was set explicitly. */
export function httpStatusForCode(code: string): number {
  switch (code) {
    case ErrorCode.BadRequest:
    case ErrorCode.ValidationError:
      return 400;
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.Unauthorized:
      return 401;
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.ServiceUnavailable:
      return 503;
    case ErrorCode.NotImplemented:
      return 501;
    case ErrorCode.ResourceExhausted:
      return 429;
    case ErrorCode.ResourceInUse:
      return 409;
    default:
      return 500;
  }
}

export interface BacalhauErrorOptions {
  code?: ErrorCode;
  component?: string;
  hint?: string;
  retryable?: boolean;
  failsExecution?: boolean;
  details?: Record<string, string>;
  /** Overrides the status inferred from `code`, as Go's `WithHTTPStatusCode`. */
  httpStatus?: number;
  cause?: unknown;
}

export class BacalhauError extends Error {
  readonly code: ErrorCode;
  readonly component: string;
  readonly hint: string;
  readonly retryable: boolean;
  readonly failsExecution: boolean;
  readonly details: Readonly<Record<string, string>>;
  readonly #httpStatus: number | undefined;

  constructor(message: string, options: BacalhauErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BacalhauError';
    this.code = options.code ?? ErrorCode.UnknownError;
    this.component = options.component ?? 'Bacalhau';
    this.hint = options.hint ?? '';
    this.retryable = options.retryable ?? false;
    this.failsExecution = options.failsExecution ?? false;
    this.details = { ...options.details };
    this.#httpStatus = options.httpStatus;
  }

  get httpStatus(): number {
    return this.#httpStatus ?? httpStatusForCode(this.code);
  }

  /**
   * Prefixes the message with context, keeping code, hint and details (Go's `bacerrors.Wrap`).
   * A plain Error becomes an UnknownError whose cause is the original.
   */
  static wrap(err: unknown, message: string, options: BacalhauErrorOptions = {}): BacalhauError {
    if (err instanceof BacalhauError) {
      return new BacalhauError(`${message}: ${err.message}`, { ...err.options(), ...options, cause: err });
    }
    return new BacalhauError(`${message}: ${errorMessage(err)}`, { ...options, cause: err });
  }

  options(): BacalhauErrorOptions {
    return {
      code: this.code,
      component: this.component,
      hint: this.hint,
      retryable: this.retryable,
      failsExecution: this.failsExecution,
      details: { ...this.details },
      ...(this.#httpStatus === undefined ? {} : { httpStatus: this.#httpStatus }),
    };
  }

  /** The JSON form Bacalhau uses when an error travels inside a message (`bacerrors.JSONError`). */
  toJSON(): Record<string, unknown> {
    return {
      Cause: this.message,
      Hint: this.hint,
      Retryable: this.retryable,
      FailsExecution: this.failsExecution,
      Component: this.component,
      HTTPStatusCode: this.#httpStatus ?? 0,
      Details: Object.keys(this.details).length === 0 ? null : this.details,
      Code: this.code,
    };
  }
}

/** The body of every API error response (`apimodels.APIError`). Hint and Details are omitted when empty. */
export interface APIErrorBody {
  Status: number;
  Message: string;
  RequestID: string;
  Code: string;
  Component: string;
  Hint?: string;
  Details?: Record<string, string>;
}

export function apiErrorBody(err: BacalhauError, requestId: string): APIErrorBody {
  const body: APIErrorBody = {
    Status: err.httpStatus,
    Message: err.message,
    RequestID: requestId,
    Code: err.code,
    Component: err.component,
  };
  if (err.hint !== '') body.Hint = err.hint;
  if (Object.keys(err.details).length > 0) body.Details = { ...err.details };
  return body;
}

/**
 * `err` was given the HTTP status `status` (not inferred from its code): what the REST client makes of
 * a server's answer, so this tells which answer it was.
 */
export function hasHttpStatus(err: unknown, status: number): err is BacalhauError {
  return err instanceof BacalhauError && err.options().httpStatus === status;
}

/** What `read` returns, or undefined when it throws NotFound (other errors pass). */
export function unlessNotFound<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof BacalhauError && err.code === ErrorCode.NotFound) return undefined;
    throw err;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
