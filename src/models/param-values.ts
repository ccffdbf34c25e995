/**
 * Engine params are a free-form map each executor decodes for itself. When a value has the wrong JSON
 * type, its message says what was given, so the user sees what to change (a command line written as
 * one string where a list is expected is the common case).
 */

import { getField } from './codec.js';

const MaxShownChars = 40;

/**
 * What a value of the wrong type holds: `a string ("echo hi")`, `a list holding a number (1)`; a list
 * in the list is shown as it is, `a list holding a list ([["x"]])`, however deep it nests.
 */
export function describeGiven(value: unknown, inList = false): string {
  if (Array.isArray(value) && !inList) {
    const odd: unknown = value.find((item) => typeof item !== 'string');
    return odd === undefined ? 'a list' : `a list holding ${describeGiven(odd, true)}`;
  }
  const shown = JSON.stringify(value) ?? String(value);
  const clipped = shown.length > MaxShownChars ? `${shown.slice(0, MaxShownChars - 1)}…` : shown;
  return `${kindOf(value)} (${clipped})`;
}

/** The value's JSON kind, in the words of YAML specs (a JSON object is a map there). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  const type = typeof value;
  if (type === 'object') return 'a map';
  return `a ${type}`;
}

/** The param's string list; `problem` builds the error for a value that is not one. */
export function stringListParam(value: unknown, problem: (given: string) => Error): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw problem(describeGiven(value));
  }
  return value;
}

/** The param's string, '' when absent; `problem` builds the error for a value that is not one. */
export function stringParam(value: unknown, problem: (given: string) => Error): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw problem(describeGiven(value));
  return value;
}

/** Reads an engine's params by key (case-insensitively, as Go's decoding of the params map). */
export interface ParamReader {
  /** The string param, '' when absent or of the wrong type. */
  string(key: string, wrongType: (given: string) => string): string;
  /** The string-list param, [] when absent or of the wrong type. */
  list(key: string, wrongType: (given: string) => string): string[];
  /** As `list`, but undefined when absent or null, for a param where an empty list means something. */
  optionalList(key: string, wrongType: (given: string) => string): string[] | undefined;
}

/**
 * A reader of `params` that notes each param of the wrong type in `problems`, worded by `wrongType`,
 * and takes it as absent: the decoder goes on, and says every problem at once.
 */
export function paramReader(params: Record<string, unknown>, problems: string[]): ParamReader {
  const read = <T>(
    key: string,
    decode: (value: unknown, problem: (given: string) => Error) => T,
    wrongType: (given: string) => string,
    absent: T,
  ): T => {
    const problem = (given: string): Error => new Error(wrongType(given));
    try {
      return decode(getField(params, key), problem);
    } catch (err) {
      problems.push((err as Error).message);
      return absent;
    }
  };
  return {
    string: (key, wrongType) => read(key, stringParam, wrongType, ''),
    list: (key, wrongType) => read(key, stringListParam, wrongType, []),
    optionalList: (key, wrongType) =>
      read(
        key,
        (value, problem) =>
          value === undefined || value === null ? undefined : stringListParam(value, problem),
        wrongType,
        undefined,
      ),
  };
}
