import { DownloadFilename } from './constants.js';
import { hasNullChar, isBlank } from './validate.js';

/** A folder of the task published as part of its results (`models.ResultPath`). */
export interface ResultPath {
  Name: string;
  Path: string;
}

export function normalizeResultPath(result: ResultPath): ResultPath {
  return { Name: result.Name.trim(), Path: result.Path.trim() };
}

/** Whether `name` is one folder name: no "/", not "." or "..". */
export function isPlainFolderName(name: string): boolean {
  return !name.includes('/') && name !== '.' && name !== '..';
}

/** The longest file name Linux file systems take, in bytes: a result's Name names a folder. */
const MaxNameBytes = 255;

/** The files every execution's results hold: no result path may take their names. */
export const ExecutionResultFiles: ReadonlySet<string> = new Set(Object.values(DownloadFilename));

/**
 * Go checks only that both are set and the path is absolute; the name is also checked here, as it
 * names a folder of the results: a compute node refused such a name only when it ran the task, after
 * the job had been accepted, once per retry.
 */
export function validateResultPath(result: ResultPath): string[] {
  const problems: string[] = [];
  if (isBlank(result.Path)) problems.push('missing path');
  if (isBlank(result.Name)) problems.push('missing name');
  const name = result.Name.trim();
  if (!isPlainFolderName(name)) {
    problems.push(`result path name \`${name}\` must be a plain folder name: no "/", not "." or ".."`);
  }
  if (Buffer.byteLength(name) > MaxNameBytes) {
    problems.push(
      `result path name is ${Buffer.byteLength(name)} bytes long: a folder name takes at most ${MaxNameBytes}`,
    );
  }
  if (hasNullChar(name)) problems.push('result path name cannot contain null characters');
  if (hasNullChar(result.Path)) problems.push('result path cannot contain null characters');
  if (ExecutionResultFiles.has(name)) {
    problems.push(
      `result path name \`${name}\` is taken by the execution's own ${name} file: choose another name`,
    );
  }
  // Go's filepath.IsAbs on Linux: absolute means starting with a slash.
  if (!result.Path.startsWith('/')) problems.push(`result path \`${result.Path}\` must be absolute`);
  return problems;
}
