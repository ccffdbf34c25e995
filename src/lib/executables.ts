/**
 * Finding programs to run, and running long-lived helper programs so that they end with this process.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where `command` is on PATH or in `extraDirs` (searched after PATH), or undefined. */
export function findExecutable(command: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...extraDirs];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
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
