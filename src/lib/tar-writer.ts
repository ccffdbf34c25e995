/**
 * Writes tar archives. Every entry is a 512-byte header (octal fields, checksum over the header with
 * its checksum field read as spaces) followed by its data padded to 512-byte blocks; two zero blocks
 * end the archive.
 *
 * - `ustarArchive` builds one in memory from the entries given. Names and link names are written as
 *   given, cut at 100 bytes: the caller decides what is safe (tests build hostile archives with it).
 * - `tarDirectory` streams the archive of a directory tree as Go's `archive/tar` writes it for
 *   Bacalhau's `pkg/lib/gzip.Compress`, so memory stays bounded whatever the size of the files.
 */
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { pathUnder } from './byte-path.js';

export interface UstarEntry {
  name: string | Buffer;
  /** Tar type flag: '0' file (default), '5' directory, '2' symlink, 'L' GNU long name, 'x' pax. */
  type?: string;
  content?: string | Buffer;
  /** Permission bits; default 0644. */
  mode?: number;
  /** Default: the Unix epoch. */
  mtime?: Date;
  linkName?: string;
}

const Block = 512;
const NameSize = 100;
const PrefixSize = 155;
/** Largest values of the 12-byte (size, mtime) and 8-byte (uid, gid) octal fields. */
const MaxOctal12 = 0o77777777777;
const MaxOctal8 = 0o7777777;

interface HeaderFields {
  /** Cut at 100 bytes. */
  name: string | Buffer;
  /** The ustar prefix: the full name is `<prefix>/<name>`. */
  prefix?: string | Buffer;
  type: string;
  mode: number;
  uid?: number;
  gid?: number;
  size: number;
  /** Seconds since the Unix epoch. */
  mtime: number;
  linkName?: string | Buffer;
}

function header(fields: HeaderFields): Buffer {
  const block = Buffer.alloc(Block);
  const octal = (offset: number, length: number, value: number): void => {
    block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'latin1');
  };
  const text = (offset: number, length: number, value: string | Buffer): void => {
    Buffer.from(value).copy(block, offset, 0, length);
  };
  text(0, NameSize, fields.name);
  octal(100, 8, fields.mode & 0o7777);
  octal(108, 8, fields.uid ?? 0);
  octal(116, 8, fields.gid ?? 0);
  octal(124, 12, fields.size);
  octal(136, 12, fields.mtime);
  block.write(fields.type, 156, 'latin1');
  text(157, NameSize, fields.linkName ?? '');
  block.write('ustar\u000000', 257, 'latin1');
  text(345, PrefixSize, fields.prefix ?? '');
  block.fill(' ', 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function padding(size: number): Buffer {
  return Buffer.alloc((Block - (size % Block)) % Block);
}

export function ustarArchive(entries: readonly UstarEntry[]): Buffer {
  const blocks = entries.flatMap((entry) => {
    const data = Buffer.from(entry.content ?? '');
    const fields: HeaderFields = {
      name: entry.name,
      type: entry.type ?? '0',
      mode: entry.mode ?? 0o644,
      size: data.length,
      mtime: Math.floor((entry.mtime?.getTime() ?? 0) / 1000),
      ...(entry.linkName === undefined ? {} : { linkName: entry.linkName }),
    };
    return [header(fields), data, padding(data.length)];
  });
  return Buffer.concat([...blocks, Buffer.alloc(2 * Block)]);
}

/** The archive's name for the directory archived. */
const Root = Buffer.from('.');

/** Bytes read from a file at a time: large enough for throughput, small enough to bound memory. */
const ChunkSize = 256 * 1024;

/**
 * The tar stream of directory `root`, with the entries Go's `pkg/lib/gzip.Compress` writes: the root
 * itself as `.`, then depth-first in byte order of names, directories as `a/b` (type '5', no trailing
 * slash), regular files with their permission bits, owner IDs and modification time rounded to the
 * second. Names that do not fit a ustar header (longer than 100 bytes and not splittable into the
 * 155-byte prefix, or not ASCII) and numbers too large for it get a PAX header first, as Go's writer
 * does. Owner names are left empty (Go looks them up; nothing reads them back).
 *
 * Names are the bytes the file system holds, not text: a task may write names that are not valid
 * UTF-8, which a string path would turn into U+FFFD and then fail to open. The tree is walked with
 * Buffer paths, and such a name goes into its PAX `path` record as raw bytes, as Go writes it (tar(1)
 * and Go's reader give the bytes back; a `hdrcharset` record would make GNU tar warn on every entry).
 *
 * Deliberate differences: symbolic links, sockets, FIFOs and devices are left out (Go writes links with
 * an empty target that tar(1) refuses, fails on sockets, and Bacalhau's downloader keeps only files and
 * directories anyway); the compute node tells the user which outputs were left out
 * (compute/unpublished-entries.ts). Nothing is ever followed out of the tree: entries are examined with `lstat` and
 * files opened with O_NOFOLLOW. The tree must not change while it is read; a file that shrinks fails
 * the stream, one that grows is cut at the size its header announced.
 *
 * A reader that stops early (`return()`, or a destroyed `pipeline`) closes the file being read.
 *
 * @throws Error when `root` is not a directory or cannot be read.
 */
export async function* tarDirectory(root: string): AsyncGenerator<Buffer> {
  const stats = await lstat(root);
  if (!stats.isDirectory()) throw new Error(`${root} is not a directory`);
  // depth-first with an explicit stack (children pushed in reverse) rather than recursive generators:
  // every chunk then passes through one generator, which matters for trees of many small files
  const stack: { path: Buffer; name: Buffer; directory: boolean }[] = [
    { path: Buffer.from(root), name: Root, directory: true },
  ];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (!next.directory) {
      yield* fileEntry(next.path, next.name);
      continue;
    }
    yield headers(next.name, '5', await lstat(next.path), 0);
    const children = await readdir(next.path, { withFileTypes: true, encoding: 'buffer' });
    children.sort((a, b) => Buffer.compare(b.name, a.name));
    const atRoot = next.name.equals(Root);
    for (const child of children) {
      if (!child.isDirectory() && !child.isFile()) continue;
      stack.push({
        path: pathUnder(next.path, child.name),
        name: atRoot ? child.name : pathUnder(next.name, child.name),
        directory: child.isDirectory(),
      });
    }
  }
  yield Buffer.alloc(2 * Block);
}

async function* fileEntry(path: Buffer, name: Buffer): AsyncGenerator<Buffer> {
  // O_NONBLOCK: should the name have become a FIFO since it was listed, opening it must not hang
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return;
    const read = async (position: number): Promise<Buffer> => {
      const chunk = Buffer.allocUnsafe(Math.min(ChunkSize, stats.size - position));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead < chunk.length) throw new Error(`${path.toString()} shrank while it was being archived`);
      return chunk;
    };
    // a small file goes out as one buffer, header and padding included
    if (stats.size <= ChunkSize) {
      yield Buffer.concat([headers(name, '0', stats, stats.size), await read(0), padding(stats.size)]);
      return;
    }
    yield headers(name, '0', stats, stats.size);
    for (let position = 0; position < stats.size; position += ChunkSize) yield await read(position);
    yield padding(stats.size);
  } finally {
    await handle.close();
  }
}

/** The entry's header, preceded by a PAX header for whatever ustar cannot hold. */
function headers(name: Buffer, type: string, stats: Stats, size: number): Buffer {
  const records: Buffer[] = [];
  const numeric = (key: string, value: number, max: number): number => {
    if (value >= 0 && value <= max) return value;
    records.push(paxRecord(key, String(value)));
    return 0;
  };
  const fields: HeaderFields = {
    name,
    type,
    mode: stats.mode,
    uid: numeric('uid', stats.uid, MaxOctal8),
    gid: numeric('gid', stats.gid, MaxOctal8),
    size: numeric('size', size, MaxOctal12),
    mtime: numeric('mtime', Math.round(stats.mtimeMs / 1000), MaxOctal12),
  };
  if (!fitsUstar(name)) {
    const split = splitUstarName(name);
    if (split === undefined) records.unshift(paxRecord('path', name));
    else Object.assign(fields, split);
  }
  if (records.length === 0) return header(fields);
  const data = Buffer.concat(records);
  const pax = header({ name: paxHeaderName(name), type: 'x', mode: 0o644, size: data.length, mtime: 0 });
  return Buffer.concat([pax, data, padding(data.length), header(fields)]);
}

/** Go's name for the PAX header of `name`: `<dir>/PaxHeaders.0/<base>` (`PaxHeaders.0` for the root). */
function paxHeaderName(name: Buffer): Buffer {
  const slash = name.lastIndexOf('/');
  const base = name.subarray(slash + 1);
  const tail = base.equals(Root) ? [] : [Buffer.from('/'), base];
  return Buffer.concat([name.subarray(0, slash + 1), Buffer.from('PaxHeaders.0'), ...tail]);
}

/** Go writes names of 7-bit characters into ustar fields; any other needs PAX. */
function isAscii(name: Buffer): boolean {
  return name.every((byte) => byte !== 0 && byte < 0x80);
}

function fitsUstar(name: Buffer): boolean {
  return name.length <= NameSize && isAscii(name);
}

/** Go's split of a long ASCII name at its last '/' within the first 156 bytes. */
function splitUstarName(name: Buffer): { prefix: Buffer; name: Buffer } | undefined {
  if (!isAscii(name)) return undefined;
  const slash = name.lastIndexOf('/', PrefixSize);
  const suffix = name.subarray(slash + 1);
  if (slash <= 0 || suffix.length === 0 || suffix.length > NameSize) return undefined;
  return { prefix: name.subarray(0, slash), name: suffix };
}

/** `<length> <key>=<value>\n`, where the length counts the whole record, its own digits included. */
function paxRecord(key: string, value: string | Buffer): Buffer {
  const rest = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
  let length = rest.length + String(rest.length).length;
  if (String(length).length !== String(rest.length).length) length = rest.length + String(length).length;
  return Buffer.concat([Buffer.from(String(length)), rest]);
}
