/**
 * File paths as bytes. A file name on Linux is bytes, not text: one that is not UTF-8 (a task may
 * write any) turns into U+FFFD in a string path, which then names no file. Code that walks or
 * recreates a tree a task wrote keeps its paths as Buffers, which every `node:fs` call accepts.
 */

const Slash = 0x2f;

/** `dir/relative`, where `relative` is `/`-separated bytes. */
export function pathUnder(dir: string | Buffer, relative: Buffer): Buffer {
  const base = typeof dir === 'string' ? Buffer.from(dir) : dir;
  const slash = base[base.length - 1] === Slash ? [] : [Buffer.from('/')];
  return Buffer.concat([base, ...slash, relative]);
}

/** The folder that holds `path`: its bytes before the last `/`. */
export function parentOf(path: Buffer): Buffer {
  return path.subarray(0, path.lastIndexOf(Slash));
}
