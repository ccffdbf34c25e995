/**
 * Builds tar.gz archives for tests, including hostile ones (escaping names, links) that a well-behaved
 * tar tool refuses to write.
 */
import { gzipSync } from 'node:zlib';

export interface TestTarEntry {
  name: string;
  /** Tar type flag: '0' file (default), '5' directory, '2' symlink, 'L' GNU long name, 'x' pax. */
  type?: string;
  content?: string | Buffer;
  mode?: number;
  linkName?: string;
}

export function tarArchive(entries: readonly TestTarEntry[]): Buffer {
  const blocks = entries.flatMap((entry) => {
    const data = Buffer.from(entry.content ?? '');
    const header = Buffer.alloc(512);
    header.write(entry.name.slice(0, 100), 0, 'utf8');
    header.write(`${(entry.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    header.write('00000000000\0', 136, 'latin1');
    header.write(entry.type ?? '0', 156, 'latin1');
    header.write(entry.linkName ?? '', 157, 'utf8');
    header.write('ustar\u000000', 257, 'latin1');
    header.fill(0x20, 148, 156);
    const sum = header.reduce((total, byte) => total + byte, 0);
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
    return [header, data, padding];
  });
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

export function tarGz(entries: readonly TestTarEntry[]): Buffer {
  return gzipSync(tarArchive(entries));
}

/** A data URL of `data` with `mediaType`, base64-encoded. */
export function dataUrl(data: string | Buffer, mediaType = 'text/plain'): string {
  return `data:${mediaType};base64,${Buffer.from(data).toString('base64')}`;
}
