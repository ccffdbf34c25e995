/**
 * The logging seam of the planner and the workers: leveled messages with structured fields, as pino
 * takes them. Nothing in `src/lib` provides one yet; the composition root adapts its logger to this.
 */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, unknown>;

export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Whether `level` is logged at all, so callers can skip building costly fields. Default: yes. */
  isLevelEnabled?(level: LogLevel): boolean;
}

const noop = (): void => undefined;

/** Logs nothing. */
export const silentLogger: Logger = Object.freeze({
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  isLevelEnabled: () => false,
});

/** Warnings and errors to stderr, nothing else: the default where no logger is given. */
export const stderrLogger: Logger = Object.freeze({
  trace: noop,
  debug: noop,
  info: noop,
  warn: (message: string, fields?: LogFields) => console.warn(message, fields ?? {}),
  error: (message: string, fields?: LogFields) => console.error(message, fields ?? {}),
  isLevelEnabled: (level: LogLevel) => level === 'warn' || level === 'error',
});

export function isLevelEnabled(logger: Logger, level: LogLevel): boolean {
  return logger.isLevelEnabled?.(level) ?? true;
}
