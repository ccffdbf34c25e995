/**
 * The name a downloaded file gets (Go's urldownload): the server's Content-Disposition filename, but
 * only after a redirect (the URL the user gave names a file of its own choosing otherwise); else the
 * last segment of the final URL's path; else a random UUID.
 */
import { randomUUID } from 'node:crypto';
import { posix } from 'node:path';

export function downloadFileName(finalUrl: URL, redirected: boolean, disposition: string | null): string {
  const fromServer = redirected && disposition !== null ? dispositionFileName(disposition) : undefined;
  return fromServer ?? usableName(posix.basename(decodePath(finalUrl.pathname))) ?? randomUUID();
}

/**
 * The filename of a Content-Disposition header (`filename*` preferred, RFC 6266); undefined if none,
 * or when a parameter is given two values (Go's `mime.ParseMediaType` refuses such a header).
 */
export function dispositionFileName(header: string): string | undefined {
  const params = parseParams(header);
  if (params === undefined) return undefined;
  const extended = params.get('filename*');
  const name = (extended === undefined ? undefined : decodeExtended(extended)) ?? params.get('filename');
  return name === undefined ? undefined : usableName(posix.basename(name));
}

/** A name that can be created inside the download directory and nowhere else. */
function usableName(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..' || name.includes('\0')) return undefined;
  return Buffer.byteLength(name) > 255 ? undefined : name;
}

/**
 * `; key=token` and `; key="quoted \" string"` parameters after the disposition type; undefined when
 * a key comes twice with two values.
 */
function parseParams(header: string): Map<string, string> | undefined {
  const params = new Map<string, string>();
  const pattern = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))/g;
  for (const match of header.matchAll(pattern)) {
    const key = (match[1] as string).toLowerCase();
    const value = match[2] === undefined ? (match[3] ?? '') : match[2].replace(/\\(.)/g, '$1');
    const earlier = params.get(key);
    if (earlier !== undefined && earlier !== value) return undefined;
    params.set(key, value);
  }
  return params;
}

/** RFC 5987 `charset'language'percent-encoded`; undefined for a charset we cannot decode. */
function decodeExtended(value: string): string | undefined {
  const match = /^([^']*)'[^']*'(.*)$/.exec(value);
  if (match === null) return undefined;
  const charset = (match[1] as string).toLowerCase();
  const bytes = Buffer.from(
    (match[2] as string).replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(parseInt(hex, 16)),
    ),
    'latin1',
  );
  if (charset === 'utf-8') return bytes.toString('utf8');
  return charset === 'iso-8859-1' ? bytes.toString('latin1') : undefined;
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
