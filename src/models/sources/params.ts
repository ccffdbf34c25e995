/**
 * Reading an input source's parameters as Go's mapstructure does: keys match case-insensitively, and
 * the source's type must be one the provider serves.
 */
import { ErrorCode } from '../bacerrors.js';
import type { InputSource } from '../input-source.js';
import { isSpecType } from '../spec-config.js';
import { fieldError, paramError } from './errors.js';

export type Params = Readonly<Record<string, unknown>>;

/** The parameters of `input`, after checking it is of one of `types` (the first is the one to name). */
export function sourceParams(input: InputSource, types: readonly [string, ...string[]]): Params {
  const source = input.Source;
  if (source === undefined) {
    throw fieldError('Source', 'missing', { hint: `Give the input a Source with Type "${types[0]}".` });
  }
  if (!types.some((type) => isSpecType(source, type))) {
    throw fieldError('Source.Type', `expected ${types.join(' or ')}, got "${source.Type}"`, {
      hint: 'Send the input to the storage provider of its type.',
      code: ErrorCode.InternalError,
    });
  }
  return source.Params ?? {};
}

/** The value of `name` in `params`, whatever the case of its key. */
export function param(params: Params, name: string): unknown {
  if (name in params) return params[name];
  const lower = name.toLowerCase();
  const key = Object.keys(params).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : params[key];
}

/** A string parameter; `undefined` when absent. */
export function stringParam(params: Params, name: string, hint: string): string | undefined {
  const value = param(params, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw paramError(name, `must be a string, got ${typeof value}`, { hint });
  return value;
}

/** A string parameter that must be present and not blank. */
export function requiredStringParam(params: Params, name: string, hint: string): string {
  const value = stringParam(params, name, hint);
  if (value === undefined || value.trim() === '') throw paramError(name, 'missing', { hint });
  return value;
}
