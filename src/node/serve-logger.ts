/**
 * The node's log lines for `bacalhau serve`: `<time> <LEVEL> <message> key=value…` at `Logging.Level`
 * and above, written to a sink (standard error in the CLI). Errors carry their message, not a stack.
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

export function textLogger(write: (line: string) => void, level: LogLevel | 'disabled'): Logger {
  const min = level === 'disabled' ? order.length : order.indexOf(level);
  const enabled = (l: LogLevel): boolean => order.indexOf(l) >= min;
  const log =
    (l: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      if (!enabled(l)) return;
      const extra = Object.entries(fields ?? {})
        .map(([k, v]) => ` ${k}=${fieldText(v)}`)
        .join('');
      write(`${new Date().toISOString()} ${labels[l]} ${message}${extra}\n`);
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
