/** Parsers for flag values, with pflag's error wording so messages read as Bacalhau's. */
import { InvalidArgumentError } from 'commander';
import { BacalhauError, ErrorCode } from '../../models/bacerrors.js';
import { csvFields } from './csv.js';

/**
 * A problem found when the action reads the flags, as Go's RunE finds it: printed as is, where an
 * InvalidArgumentError from an argument parser is framed as pflag's `invalid argument … for … flag`.
 */
export function flagError(message: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.ValidationError, component: 'CLI' });
}

/**
 * A non-negative integer (pflag's `uint`/`uint64`), up to the largest a JavaScript number holds
 * exactly; a number past it is `value out of range`, as Go says past 2^64.
 */
export function parseUint(value: string): number {
  return parseBoundedUint(value, Number.MAX_SAFE_INTEGER);
}

/** A non-negative integer below 2^32 (pflag's `uint32`, e.g. `--limit`). */
export function parseUint32(value: string): number {
  return parseBoundedUint(value, 0xffff_ffff);
}

function parseBoundedUint(value: string, max: number): number {
  if (!/^\d+$/.test(value)) {
    throw new InvalidArgumentError(`strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`);
  }
  if (Number(value) > max) {
    throw new InvalidArgumentError(`strconv.ParseUint: parsing ${JSON.stringify(value)}: value out of range`);
  }
  return Number(value);
}

/** A signed integer (pflag's `int`). */
export function parseInteger(value: string): number {
  if (!/^[+-]?\d+$/.test(value)) {
    throw new InvalidArgumentError(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  }
  if (!Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`strconv.ParseInt: parsing ${JSON.stringify(value)}: value out of range`);
  }
  return Number(value);
}

/**
 * Repeated `key=value` flags (pflag's `StringToString`): a value with one `=` is one pair (commas
 * included); a value with several is a CSV list of pairs.
 */
export function collectKeyValues(value: string, previous: Record<string, string>): Record<string, string> {
  const equals = value.split('=').length - 1;
  if (equals === 0) throw new InvalidArgumentError(`${value} must be formatted as key=value`);
  const pairs = equals === 1 ? [value.replace(/^"+|"+$/g, '')] : csvFields(value);
  const out = { ...previous };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new InvalidArgumentError(`${pair} must be formatted as key=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** Repeated list flags (pflag's `StringSlice`): each value is a CSV list, appended to the previous. */
export function collectList(value: string, previous: readonly string[] = []): string[] {
  return [...previous, ...(value === '' ? [] : csvFields(value))];
}

/** Repeated flags kept whole (pflag's `StringArray`). */
export function collectValues(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}
