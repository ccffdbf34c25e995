/**
 * Writes ustar archives in memory: a 512-byte header per entry (octal fields, checksum over the header
 * with its checksum field read as spaces), the data padded to 512-byte blocks, two zero blocks at the
 * end. Names and link names are written as given, cut at 100 bytes: the caller decides what is safe
 * (tests build hostile archives with it on purpose).
 */
export interface UstarEntry {
  name: string;
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

export function ustarArchive(entries: readonly UstarEntry[]): Buffer {
  const blocks = entries.flatMap((entry) => {
    const data = Buffer.from(entry.content ?? '');
    const header = Buffer.alloc(Block);
    const octal = (offset: number, length: number, value: number): void => {
      header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, 'latin1');
    };
    header.write(entry.name, 0, 100, 'utf8');
    octal(100, 8, (entry.mode ?? 0o644) & 0o7777);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, data.length);
    octal(136, 12, Math.floor((entry.mtime?.getTime() ?? 0) / 1000));
    header.write(entry.type ?? '0', 156, 'latin1');
    header.write(entry.linkName ?? '', 157, 100, 'utf8');
    header.write('ustar\u000000', 257, 'latin1');
    header.fill(' ', 148, 156);
    const sum = header.reduce((total, byte) => total + byte, 0);
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return [header, data, Buffer.alloc((Block - (data.length % Block)) % Block)];
  });
  return Buffer.concat([...blocks, Buffer.alloc(2 * Block)]);
}
