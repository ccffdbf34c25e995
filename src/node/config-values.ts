/**
 * Reads typed values out of the loaded config for an option compiler, collecting every problem (each
 * naming its key) so that one error reports them all.
 */
import { BacalhauError, ErrorCode } from '../models/bacerrors.js';
import { Millisecond, parseDuration } from '../models/duration.js';

export type DurationRule = 'positive' | 'non-negative';

export class ConfigReader {
  readonly problems: string[] = [];

  /** A Go duration (`15s`, `1m0s`) in milliseconds. */
  duration(key: string, text: string, rule: DurationRule): number {
    let ns: bigint;
    try {
      ns = parseDuration(text);
    } catch (err) {
      this.problems.push(`${key}: ${(err as Error).message}`);
      return 0;
    }
    if (rule === 'positive' ? ns <= 0n : ns < 0n) {
      this.problems.push(
        `${key} must be ${rule === 'positive' ? 'greater than zero' : 'zero or more'}: ${text}`,
      );
    }
    return Number(ns / Millisecond);
  }

  integer(key: string, value: number, min: number): number {
    if (!Number.isSafeInteger(value) || value < min)
      this.problems.push(`${key} must be an integer >= ${min}: ${value}`);
    return value;
  }

  /** @throws BacalhauError ConfigurationError `invalid <what> configuration: <problem>; …` */
  throwIfInvalid(what: string, component: string): void {
    if (this.problems.length === 0) return;
    throw new BacalhauError(`invalid ${what} configuration: ${this.problems.join('; ')}`, {
      code: ErrorCode.ConfigurationError,
      component,
    });
  }
}
