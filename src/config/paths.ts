import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Problem } from './errors.js';

/** The default config file name inside the data directory. */
export const defaultConfigFileName = 'config.yaml';

/** The user's home directory: env HOME when set, else the OS account's. */
export function homeDirectory(env: Readonly<Record<string, string | undefined>>): string {
  const home = env['HOME'];
  return home === undefined || home === '' ? homedir() : home;
}

/** Expands a leading `~` (alone or followed by `/`) to the home directory; `~user` is left alone. */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(home, path.slice(2));
  return path;
}

/** `~` expanded and made absolute against `cwd` (Bacalhau's `AbsPathSilent`). */
export function absPath(path: string, cwd: string, home: string): string {
  return resolve(cwd, expandHome(path, home));
}

/** Bacalhau's `ValidatePath` for the data directory. */
export function dataDirProblem(path: string): Problem | undefined {
  if (path === '') {
    return { message: 'data dir path is empty', hint: 'Provide a valid path for the data directory' };
  }
  if (path.includes('$')) {
    return {
      message: `data dir path ${JSON.stringify(path)} contains a '$' character`,
      hint: 'Environment variables are not expanded in the data dir path; it is used as written',
    };
  }
  if (!isAbsolute(path)) {
    return {
      message: `data dir path ${JSON.stringify(path)} is not an absolute path`,
      hint: 'Use an absolute path for the data directory',
    };
  }
  return notAFolderProblem(path);
}

/** A data dir path that names a file, or a path through one: mkdir would fail with a bare EEXIST/ENOTDIR. */
function notAFolderProblem(path: string): Problem | undefined {
  const hint =
    'Give a directory (or a path to create one) as the data dir: --data-dir, BACALHAU_DIR or DataDir';
  try {
    const found = statSync(path, { throwIfNoEntry: false });
    if (found === undefined || found.isDirectory()) return undefined;
    return { message: `data dir path ${JSON.stringify(path)} is a file, not a directory`, hint };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') return undefined; // e.g. EACCES: said when used
    return { message: `data dir path ${JSON.stringify(path)} goes through a file, not a directory`, hint };
  }
}
