/** Fixtures for planner and worker tests. Not used by production code. */
import type { LogFields, Logger, LogLevel } from './logger.js';

export interface LogEntry {
  level: LogLevel;
  message: string;
  fields: LogFields;
}

/** Records every entry at every level. */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];

  /** Every level unless told otherwise; record only what is enabled. */
  constructor(private readonly enabled: (level: LogLevel) => boolean = () => true) {}

  isLevelEnabled(level: LogLevel): boolean {
    return this.enabled(level);
  }

  trace = (message: string, fields: LogFields = {}): void => this.#record('trace', message, fields);
  debug = (message: string, fields: LogFields = {}): void => this.#record('debug', message, fields);
  info = (message: string, fields: LogFields = {}): void => this.#record('info', message, fields);
  warn = (message: string, fields: LogFields = {}): void => this.#record('warn', message, fields);
  error = (message: string, fields: LogFields = {}): void => this.#record('error', message, fields);

  #record(level: LogLevel, message: string, fields: LogFields): void {
    if (this.enabled(level)) this.entries.push({ level, message, fields });
  }

  messages(level: LogLevel): string[] {
    return this.entries.filter((e) => e.level === level).map((e) => e.message);
  }
}
