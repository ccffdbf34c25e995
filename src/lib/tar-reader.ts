/**
 * Reading tar archives (ustar, with GNU long names, pax paths and pax sizes), either from memory
 * (`readTar`, for archives already bounded by their caller) or from a stream of chunks (`readTarStream`,
 * for archives of any size: memory stays at one chunk plus one header).
 *
 * Only regular files and directories are kept, as Go's `gzip.Decompress` does: links, devices and
 * fifos are skipped, so nothing in an archive can point outside it. Names are checked before use:
 * absolute paths and `..` segments are refused.
 *
 * Names are bytes, not text: a task may write file names that are not UTF-8, and Go's writer puts
 * them into the archive as they are. Each entry gives its path both as bytes, to name the file on
 * disk, and as text, for messages.
 */
import { sep } from 'node:path';

const Block = 512;
/** GNU long names and pax records are held in memory: far larger than any real path needs. */
const MaxMetaBytes = 1024 * 1024;

export interface TarEntryHeader {
  /** Relative, `/`-separated, no `.`, `..` or empty segments. */
  readonly pathBytes: Buffer;
  /** `pathBytes` as text, bytes that are not UTF-8 read as U+FFFD (two names may read alike): for messages. */
  readonly path: string;
  readonly kind: 'file' | 'directory';
  /** Permission bits (no set-id or sticky bits). */
  readonly mode: number;
  /** Bytes of data (0 for directories). */
  readonly size: number;
}

export interface TarEntry extends TarEntryHeader {
  readonly data: Buffer;
}

export interface TarStreamEntry extends TarEntryHeader {
  /**
   * The entry's data. Read it before asking for the next entry; whatever is left unread is skipped
   * then, and reading it afterwards yields nothing.
   */
  readonly data: AsyncIterable<Buffer>;
}

/** A damaged or hostile archive; the message says what is wrong with it. */
export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

/** The archive's files and directories, in archive order. @throws TarError */
export function* readTar(archive: Buffer): Generator<TarEntry> {
  const extensions = new Extensions();
  let offset = 0;
  while (offset + Block <= archive.length) {
    const header = parseHeader(archive.subarray(offset, offset + Block));
    if (header === undefined) return;
    const meta = extensions.isMeta(header);
    const size = meta ? header.size : extensions.sizeOf(header);
    const start = offset + Block;
    const end = start + size;
    if (end > archive.length) throw truncated();
    offset = start + padded(size);
    const data = archive.subarray(start, end);
    if (meta) {
      extensions.setMeta(header, data);
      continue;
    }
    const entry = extensions.entry(header, size);
    if (entry !== undefined) yield { ...entry, data };
  }
  if (offset < archive.length) throw truncated();
}

/**
 * The files and directories of the archive that `source` yields, in archive order. After the end of
 * the archive the rest of `source` is read and dropped, so that a decompressor's check of its trailer
 * (gzip's CRC and length) still runs. @throws TarError
 */
export async function* readTarStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarStreamEntry> {
  const reader = new ChunkReader(source[Symbol.asyncIterator]());
  const extensions = new Extensions();
  try {
    for (;;) {
      const block = await reader.read(Block);
      if (block === undefined) return; // an archive cut right after an entry: tar(1) accepts it too
      const header = parseHeader(block);
      if (header === undefined) {
        await reader.drain();
        return;
      }
      if (extensions.isMeta(header)) {
        if (header.size > MaxMetaBytes) throw new TarError('a long-name or pax header is too large');
        const data = (await reader.read(header.size)) ?? Buffer.alloc(0);
        if (data.length < header.size) throw truncated();
        await reader.skip(padded(header.size) - header.size);
        extensions.setMeta(header, data);
        continue;
      }
      const size = extensions.sizeOf(header);
      const entry = extensions.entry(header, size);
      const body = reader.take(size);
      if (entry !== undefined) yield { ...entry, data: body };
      await body.finish();
      await reader.skip(padded(size) - size);
    }
  } finally {
    await reader.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// Headers and names

interface RawHeader {
  readonly type: string;
  readonly size: number;
  readonly mode: number;
  /** The ustar name (prefix included); a preceding long-name record overrides it. */
  readonly name: Buffer;
}

/** The header in `block`, or undefined for the zero block that ends an archive. */
function parseHeader(block: Buffer): RawHeader | undefined {
  if (block.every((byte) => byte === 0)) return undefined;
  checkChecksum(block);
  return {
    type: String.fromCharCode(block[156] ?? 0),
    size: octal(block, 124, 12),
    mode: octal(block, 100, 8) & 0o777,
    name: ustarName(block),
  };
}

/**
 * What the GNU long-name (`L`) and pax (`x`) records before an entry say of it: its name, and (pax) its
 * size, which a writer puts there for an entry of 8 GiB or more, with 0 in the header.
 */
class Extensions {
  #longName: Buffer | undefined;
  #size: number | undefined;

  isMeta(header: RawHeader): boolean {
    return header.type === 'L' || header.type === 'x';
  }

  setMeta(header: RawHeader, data: Buffer): void {
    if (header.type === 'L') {
      this.#longName = cString(data);
      return;
    }
    const records = paxRecords(data);
    this.#longName = records.path ?? this.#longName;
    this.#size = records.size ?? this.#size;
  }

  /** The size of the data that follows `header`, an entry's (not a long-name or pax record's). */
  sizeOf(header: RawHeader): number {
    return this.#size ?? header.size;
  }

  /**
   * The entry `header` describes, with `size` bytes of data (from {@link sizeOf}), or undefined for
   * one that is skipped (links, devices, the root). What the records before it said is used up.
   */
  entry(header: RawHeader, size: number): TarEntryHeader | undefined {
    const name = this.#longName ?? header.name;
    this.#longName = undefined;
    this.#size = undefined;
    const kind = entryKind(header.type, name);
    if (kind === undefined) return undefined; // links, devices, fifos, global pax headers
    const path = safePath(name);
    if (path.length === 0) return undefined; // the archive's root, "./"
    return {
      pathBytes: path,
      path: path.toString(),
      kind,
      mode: header.mode,
      size: kind === 'file' ? size : 0,
    };
  }
}

function entryKind(type: string, name: Buffer): TarEntryHeader['kind'] | undefined {
  if (type === '5') return 'directory';
  if (type !== '0' && type !== '\0' && type !== '7') return undefined;
  // pre-POSIX archives mark directories by the slash
  return name[name.length - 1] === 0x2f ? 'directory' : 'file';
}

/** `name` as a relative path that cannot leave the directory it is unpacked into. */
/**
 * Where a backslash separates paths (Windows), `..\\x` would climb out. Elsewhere it is a character a
 * task may put in its file names like any other, and refusing it refused the whole download.
 */
const BackslashSeparates = sep === '\\';

function safePath(name: Buffer): Buffer {
  // latin1 maps each byte to one character and back: names that are not UTF-8 come through whole
  const bytes = name.toString('latin1');
  if (bytes.includes('\0') || (BackslashSeparates && bytes.includes('\\')) || bytes.startsWith('/')) {
    throw new TarError(`the archive entry "${name.toString()}" is not a relative path`);
  }
  const segments = bytes.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw new TarError(`the archive entry "${name.toString()}" points outside the archive`);
  }
  return Buffer.from(segments.join('/'), 'latin1');
}

function checkChecksum(header: Buffer): void {
  let sum = 0;
  for (let i = 0; i < Block; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
  if (sum !== octal(header, 148, 8)) throw new TarError('it is not a tar archive (bad header checksum)');
}

function octal(header: Buffer, offset: number, length: number): number {
  const field = header.subarray(offset, offset + length);
  // GNU's base-256 numbers, for entries of 8 GiB and more: the first byte's high bit marks them
  if (((field[0] ?? 0) & 0x80) !== 0) return base256(field);
  const text = cString(field).toString('latin1').trim();
  if (text !== '' && !/^[0-7]+$/.test(text)) throw new TarError('it is not a tar archive (bad number field)');
  return text === '' ? 0 : parseInt(text, 8);
}

/** A base-256 number field (big-endian, the first byte's high bit set). */
function base256(field: Buffer): number {
  // 0xff first: a negative number, which no size or mode is
  if (field[0] === 0xff) throw new TarError('it is not a tar archive (bad number field)');
  let value = (field[0] ?? 0) & 0x7f;
  for (const byte of field.subarray(1)) value = value * 256 + byte;
  if (!Number.isSafeInteger(value)) throw new TarError('an archive entry is too large');
  return value;
}

function ustarName(header: Buffer): Buffer {
  const name = cString(header.subarray(0, 100));
  // POSIX's magic ends in a NUL; GNU's ("ustar  ") keeps its access and change times where the prefix is
  const isUstar = header.toString('latin1', 257, 263) === 'ustar\0';
  const prefix = isUstar ? cString(header.subarray(345, 500)) : Buffer.alloc(0);
  return prefix.length === 0 ? name : Buffer.concat([prefix, Buffer.from('/'), name]);
}

/**
 * The `path` and `size` records of a pax extended header (`<length> <key>=<value>\n` records). The
 * path as its bytes: POSIX says UTF-8, but Go's writer (so Bacalhau's) stores a name that is not UTF-8
 * as it is.
 */
function paxRecords(data: Buffer): { path?: Buffer; size?: number } {
  let path: Buffer | undefined;
  let size: number | undefined;
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = space < 0 ? NaN : parseInt(data.toString('latin1', offset, space), 10);
    if (!Number.isInteger(length) || length <= 0) throw new TarError('a pax header is damaged');
    const record = data.subarray(space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    const key = record.toString('latin1', 0, equals);
    if (key === 'path') path = record.subarray(equals + 1);
    if (key === 'size') size = paxSize(record.toString('latin1', equals + 1));
    offset += length;
  }
  return { ...(path !== undefined && { path }), ...(size !== undefined && { size }) };
}

function paxSize(text: string): number {
  if (!/^[0-9]+$/.test(text)) throw new TarError('a pax header is damaged');
  const size = Number(text);
  if (!Number.isSafeInteger(size)) throw new TarError('an archive entry is too large');
  return size;
}

/** `bytes` up to their first NUL. */
function cString(bytes: Buffer): Buffer {
  const nul = bytes.indexOf(0);
  return bytes.subarray(0, nul < 0 ? bytes.length : nul);
}

function padded(size: number): number {
  return Math.ceil(size / Block) * Block;
}

function truncated(): TarError {
  return new TarError('the archive is truncated');
}

// ---------------------------------------------------------------------------------------------------
// Streams

/** An entry's data as it is read from the stream; `finish` skips what the consumer left. */
interface Body extends AsyncIterable<Buffer> {
  finish(): Promise<void>;
}

/** Exact-length reads over a stream of chunks of any size. */
class ChunkReader {
  readonly #chunks: AsyncIterator<Uint8Array>;
  #pending: Buffer = Buffer.alloc(0);

  constructor(chunks: AsyncIterator<Uint8Array>) {
    this.#chunks = chunks;
  }

  /** Exactly `length` bytes; fewer only at the end of the stream; undefined if it had already ended. */
  async read(length: number): Promise<Buffer | undefined> {
    const parts: Buffer[] = [];
    let got = 0;
    for (;;) {
      const part = await this.#next(length - got);
      if (part === undefined) break;
      parts.push(part);
      got += part.length;
      if (got === length) break;
    }
    if (parts.length === 0 && length > 0) return undefined;
    if (got > 0 && got < length) throw truncated();
    return Buffer.concat(parts);
  }

  skip(length: number): Promise<void> {
    return this.take(length).finish();
  }

  /** The next `length` bytes, chunk by chunk. @throws TarError when the stream ends first */
  take(length: number): Body {
    let left = length;
    const next = async (): Promise<Buffer | undefined> => {
      if (left === 0) return undefined;
      const part = await this.#next(left);
      if (part === undefined) throw truncated();
      left -= part.length;
      return part;
    };
    return {
      async *[Symbol.asyncIterator]() {
        for (let part = await next(); part !== undefined; part = await next()) yield part;
      },
      async finish() {
        while ((await next()) !== undefined);
      },
    };
  }

  /** Reads the stream to its end, dropping what it yields. */
  async drain(): Promise<void> {
    this.#pending = Buffer.alloc(0);
    while ((await this.#next(Number.MAX_SAFE_INTEGER)) !== undefined);
  }

  /** Stops the source early (a consumer that gave up); a no-op after its end. */
  async close(): Promise<void> {
    await this.#chunks.return?.();
  }

  /** Up to `max` bytes (at least one), or undefined at the end of the stream. */
  async #next(max: number): Promise<Buffer | undefined> {
    while (this.#pending.length === 0) {
      const next = await this.#chunks.next();
      if (next.done === true) return undefined;
      const chunk = next.value;
      this.#pending = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
    const part = this.#pending.subarray(0, max);
    this.#pending = this.#pending.subarray(part.length);
    return part;
  }
}
