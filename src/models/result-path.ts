import { isBlank } from './validate.js';

/** A folder of the task published as part of its results (`models.ResultPath`). */
export interface ResultPath {
  Name: string;
  Path: string;
}

export function normalizeResultPath(result: ResultPath): ResultPath {
  return { Name: result.Name.trim(), Path: result.Path.trim() };
}

export function validateResultPath(result: ResultPath): string[] {
  const problems: string[] = [];
  if (isBlank(result.Path)) problems.push('missing path');
  if (isBlank(result.Name)) problems.push('missing name');
  // Go's filepath.IsAbs on Linux: absolute means starting with a slash.
  if (!result.Path.startsWith('/')) problems.push(`result path \`${result.Path}\` must be absolute`);
  return problems;
}
