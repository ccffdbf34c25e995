/**
 * Reading tar archives (ustar, with GNU long names and pax paths) from memory: inline archives are
 * bounded by the job spec's size, and their unpacked size by the caller's limit.
 *
 * Only regular files and directories are kept, as Go's `targzip.Decompress` does: links, devices and
 * fifos are skipped, so nothing in an archive can point outside it. Names are checked before use.
 */
const Block = 512;

export interface TarEntry {
  /** Relative, `/`-separated, no `.`, `..` or empty segments. */
  readonly path: string;
  readonly kind: 'file' | 'directory';
  /** Permission bits (no set-id or sticky bits). */
  readonly mode: number;
  readonly data: Buffer;
}

/** A damaged or hostile archive; the message says what is wrong with it. */
export class TarError extends Error {}

/** The archive's files and directories, in archive order. */
export function* readTar(archive: Buffer): Generator<TarEntry> {
  let offset = 0;
  let longName: string | undefined;
  while (offset + Block <= archive.length) {
    const header = archive.subarray(offset, offset + Block);
    if (header.every((byte) => byte === 0)) return; // end-of-archive marker
    checkChecksum(header);
    const size = octal(header, 124, 12);
    const start = offset + Block;
    const end = start + size;
    if (end > archive.length) throw new TarError('the archive is truncated');
    offset = start + Math.ceil(size / Block) * Block;
    const data = archive.subarray(start, end);
    const type = String.fromCharCode(header[156] ?? 0);
    if (type === 'L') {
      longName = cString(data);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    const name = longName ?? ustarName(header);
    longName = undefined;
    const kind = entryKind(type, name);
    if (kind === undefined) continue; // links, devices, fifos, global pax headers
    const path = safePath(name);
    if (path === '') continue; // the archive's root, "./"
    yield { path, kind, mode: octal(header, 100, 8) & 0o777, data };
  }
  if (offset < archive.length) throw new TarError('the archive is truncated');
}

function entryKind(type: string, name: string): TarEntry['kind'] | undefined {
  if (type === '5') return 'directory';
  if (type !== '0' && type !== '\0' && type !== '7') return undefined;
  return name.endsWith('/') ? 'directory' : 'file'; // pre-POSIX archives mark directories by the slash
}

/** `name` as a relative path that cannot leave the directory it is unpacked into. */
function safePath(name: string): string {
  if (name.includes('\0') || name.includes('\\') || name.startsWith('/')) {
    throw new TarError(`the archive entry "${name}" is not a relative path`);
  }
  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw new TarError(`the archive entry "${name}" points outside the archive`);
  return segments.join('/');
}

function checkChecksum(header: Buffer): void {
  let sum = 0;
  for (let i = 0; i < Block; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
  if (sum !== octal(header, 148, 8)) throw new TarError('it is not a tar archive (bad header checksum)');
}

function octal(header: Buffer, offset: number, length: number): number {
  const field = header.subarray(offset, offset + length);
  // Base-256 sizes only appear for entries of 8 GiB and more, far beyond any inline limit.
  if (((field[0] ?? 0) & 0x80) !== 0) throw new TarError('an archive entry is too large');
  const text = cString(field).trim();
  if (text !== '' && !/^[0-7]+$/.test(text)) throw new TarError('it is not a tar archive (bad number field)');
  return text === '' ? 0 : parseInt(text, 8);
}

function ustarName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  const isUstar = header.toString('latin1', 257, 262) === 'ustar';
  const prefix = isUstar ? cString(header.subarray(345, 500)) : '';
  return prefix === '' ? name : `${prefix}/${name}`;
}

/** The `path` record of a pax extended header (`<length> path=<value>\n` records). */
function paxPath(data: Buffer): string | undefined {
  let path: string | undefined;
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = space < 0 ? NaN : parseInt(data.toString('latin1', offset, space), 10);
    if (!Number.isInteger(length) || length <= 0) throw new TarError('a pax header is damaged');
    const record = data.toString('utf8', space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    if (record.slice(0, equals) === 'path') path = record.slice(equals + 1);
    offset += length;
  }
  return path;
}

function cString(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return bytes.toString('utf8', 0, nul < 0 ? bytes.length : nul);
}
