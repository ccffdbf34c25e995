/**
 * The node's log lines for `bacalhau serve` at `Logging.Level` and above, written to a sink (standard
 * error in the CLI), in the form `Logging.Mode` names, as Go's zerolog writers: `default`
 * `<time> <LEVEL> <message> key=value…`, `json` one object per line (`level`, `time`, `message`, the
 * fields), `cmd` the message and fields only. Errors carry their message, not a stack.
 */
import type { LogFields, Logger, LogLevel } from '../orchestrator/planner/index.js';

const order: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];
const labels: Record<LogLevel, string> = {
  trace: 'TRC',
  debug: 'DBG',
  info: 'INF',
  warn: 'WRN',
  error: 'ERR',
};

function fieldText(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /^[\w./:@-]*$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** `Logging.Level` values (Go's zerolog names) mapped onto the logger's levels. */
export function parseLogLevel(level: string): LogLevel | 'disabled' {
  const l = level.toLowerCase();
  if (l === 'disabled') return 'disabled';
  if (l === 'fatal' || l === 'panic') return 'error';
  if (l === 'warning') return 'warn';
  return (order as readonly string[]).includes(l) ? (l as LogLevel) : 'info';
}

type LineFormat = (level: LogLevel, message: string, fields: LogFields) => string;

const textFields = (fields: LogFields): string =>
  Object.entries(fields)
    .map(([k, v]) => ` ${k}=${fieldText(v)}`)
    .join('');

const formats: Readonly<Record<string, LineFormat>> = {
  default: (l, message, fields) => `${new Date().toISOString()} ${labels[l]} ${message}${textFields(fields)}`,
  cmd: (_l, message, fields) => `${message}${textFields(fields)}`,
  json: (l, message, fields) =>
    JSON.stringify({
      level: l,
      time: new Date().toISOString(),
      message,
      ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? v.message : v])),
    }),
};

/**
 * `fields`, and after them the hint of an error among them (a BacalhauError's fix: free space on the
 * disk that holds …, raise the open-files limit), which its message alone leaves out.
 */
function withHints(fields: LogFields): LogFields {
  const hints = Object.entries(fields).flatMap(([key, value]) => {
    const hint: unknown = value instanceof Error ? (value as { hint?: unknown }).hint : undefined;
    return typeof hint === 'string' && hint !== '' && fields[`${key}Hint`] === undefined
      ? [[`${key}Hint`, hint] as const]
      : [];
  });
  return hints.length === 0 ? fields : { ...fields, ...Object.fromEntries(hints) };
}

/** A logger at `level` writing lines in `mode` (`Logging.Mode`: default, json or cmd). */
export function nodeLogger(
  write: (line: string) => void,
  level: LogLevel | 'disabled',
  mode = 'default',
): Logger {
  const min = level === 'disabled' ? order.length : order.indexOf(level);
  const enabled = (l: LogLevel): boolean => order.indexOf(l) >= min;
  const format = formats[mode] ?? formats['default'];
  const log =
    (l: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      if (!enabled(l) || format === undefined) return;
      write(`${format(l, message, withHints(fields ?? {}))}\n`);
    };
  return {
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    isLevelEnabled: enabled,
  };
}

/** The node's logger as the config's `Logging` section says (`Level`, `Mode`), writing to `write`. */
export function configuredLogger(
  write: (line: string) => void,
  logging: { readonly Level: string; readonly Mode: string },
): Logger {
  return nodeLogger(write, parseLogLevel(logging.Level), logging.Mode);
}
