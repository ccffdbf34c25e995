/**
 * Finding programs to run, and running long-lived helper programs so that they end with this process.
 */
import { statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Where `command` is, as Go's `exec.LookPath` finds it on Unix: the first directory of `searchPath`
 * (default PATH), then of `extraDirs`, holding an executable regular file of that name. Relative
 * entries (and the empty one, which means `.`) are skipped, as Go refuses them since 1.19.
 */
export function findExecutable(
  command: string,
  options: { searchPath?: string; extraDirs?: readonly string[] } = {},
): string | undefined {
  const searchPath = options.searchPath ?? process.env['PATH'] ?? '';
  for (const dir of [...searchPath.split(delimiter), ...(options.extraDirs ?? [])]) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    const info = statSync(path, { throwIfNoEntry: false });
    return info?.isFile() === true && (info.mode & 0o111) !== 0;
  } catch {
    return false; // a PATH entry that is not a directory, or one we may not search
  }
}

/**
 * `command args`, rewritten so the kernel sends the program SIGTERM when this process dies, however it
 * dies: `kill -9` runs no exit handler, so nothing else can stop a child left running. util-linux's
 * `setpriv --pdeathsig` asks for it, then runs the program in its own place (same pid). Where setpriv
 * is missing (not Linux), the command as given.
 */
export function endingWithThisProcess(
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  const setpriv = process.platform === 'linux' ? findExecutable('setpriv') : undefined;
  if (setpriv === undefined) return { command, args: [...args] };
  return { command: setpriv, args: ['--pdeathsig', 'TERM', '--', command, ...args] };
}
