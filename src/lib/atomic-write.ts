/**
 * Replacing a small file whole (a config file, a profile, saved tokens): written under a new name beside
 * it, flushed, then renamed over it. A crash or a full disk leaves the old file rather than a cut one;
 * two writers at once leave one's file whole rather than a mix of both; a link in its place is replaced,
 * not written through; and the file has `mode` even where it existed with another (a secret written
 * into a file someone made 0644 would have stayed readable by all).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';

export function writeFileAtomically(path: string, data: string, mode: number): void {
  const partial = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  // 'wx': a new file of this name, never one (or a link) someone put there
  const fd = openSync(partial, 'wx', mode);
  try {
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(partial, path);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}
