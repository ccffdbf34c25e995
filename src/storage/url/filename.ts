/**
 * The name a downloaded file gets (Go's urldownload): the server's Content-Disposition filename, but
 * only after a redirect (the URL the user gave names a file of its own choosing otherwise); else the
 * last segment of the final URL's path; else a random UUID.
 */
import { randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import { mediaParams } from './media-params.js';

export function downloadFileName(finalUrl: URL, redirected: boolean, disposition: string | null): string {
  const fromServer = redirected && disposition !== null ? dispositionFileName(disposition) : undefined;
  return fromServer ?? usableName(posix.basename(decodePath(finalUrl.pathname))) ?? randomUUID();
}

/**
 * The filename of a Content-Disposition header as Go reads it (`filename*` decoded in place of
 * `filename`, see media-params.ts); undefined if none, or if Go cannot parse the header.
 */
export function dispositionFileName(header: string): string | undefined {
  const name = mediaParams(headerText(header))?.get('filename');
  return name === undefined ? undefined : usableName(posix.basename(name));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * fetch gives a header's bytes one character each (Latin-1): a UTF-8 name would be written as the
 * characters of its bytes, where Go, which keeps bytes, writes the name the server meant. Bytes that
 * are not UTF-8 are left as they are.
 */
function headerText(header: string): string {
  // all ASCII: nothing to re-read; a character over 0xff: not bytes
  if (!/[\u0080-\u00ff]/.test(header) || /[\u0100-\uffff]/.test(header)) return header;
  try {
    return strictUtf8.decode(Buffer.from(header, 'latin1'));
  } catch {
    return header;
  }
}

/** A name that can be created inside the download directory and nowhere else. */
function usableName(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..' || name.includes('\0')) return undefined;
  return Buffer.byteLength(name) > 255 ? undefined : name;
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
