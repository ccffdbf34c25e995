/**
 * Builds tar.gz archives for tests, including hostile ones (escaping names, links) that a well-behaved
 * tar tool refuses to write.
 */
import { gzipSync } from 'node:zlib';
import { ustarArchive, type UstarEntry } from '../../lib/tar-writer.js';

export function tarGz(entries: readonly UstarEntry[]): Buffer {
  return gzipSync(ustarArchive(entries));
}

/** A data URL of `data` with `mediaType`, base64-encoded. */
export function dataUrl(data: string | Buffer, mediaType = 'text/plain'): string {
  return `data:${mediaType};base64,${Buffer.from(data).toString('base64')}`;
}
