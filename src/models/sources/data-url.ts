/**
 * RFC 2397 `data:` URLs, the payload of inline inputs: `data:[<media type>][;base64],<data>`. Strict
 * where Node's Buffer is lenient (it silently skips characters that are not base64), so that a damaged
 * URL is an error rather than damaged data.
 */
import { paramError } from './errors.js';

export interface DataUrl {
  /** The media type without parameters, lower-cased; `text/plain` when the URL names none. */
  readonly mediaType: string;
  readonly data: Buffer;
}

const hint = 'Give the content as an RFC 2397 data URL, e.g. "data:text/plain;base64,aGVsbG8=".';
const base64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Parses the `URL` parameter of an inline input. @throws ValidationError naming `Source.Params.URL`. */
export function parseDataUrl(url: string): DataUrl {
  const text = url.trim();
  if (!/^data:/i.test(text)) throw invalid(`must start with "data:", got "${preview(text)}"`);
  const comma = text.indexOf(',');
  if (comma < 0) throw invalid('has no "," between the media type and the data');
  const [mediaType = '', ...parameters] = text.slice('data:'.length, comma).split(';');
  const isBase64 = parameters.at(-1)?.trim().toLowerCase() === 'base64';
  const raw = percentDecode(text.slice(comma + 1));
  return {
    mediaType: mediaType.trim().toLowerCase() || 'text/plain',
    data: isBase64 ? decodeBase64(raw.toString('latin1')) : raw,
  };
}

function decodeBase64(encoded: string): Buffer {
  const compact = encoded.replace(/\s+/g, '');
  if (!base64.test(compact) || compact.length % 4 === 1) {
    throw invalid('has data that is not valid base64');
  }
  // Node's base64 decoder reads the URL-safe alphabet too, which Bacalhau's CLI may produce.
  return Buffer.from(compact, 'base64');
}

/** Decodes %XX escapes byte-wise (the data need not be UTF-8). */
function percentDecode(data: string): Buffer {
  const bytes = Buffer.from(data, 'utf8');
  if (!bytes.includes(0x25)) return bytes;
  const out = Buffer.alloc(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte !== 0x25) {
      out[length++] = byte;
      continue;
    }
    const hex = bytes.toString('latin1', i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw invalid(`has a bad percent-escape "%${hex}"`);
    out[length++] = parseInt(hex, 16);
    i += 2;
  }
  return out.subarray(0, length);
}

function invalid(problem: string): Error {
  return paramError('URL', `not a valid data URL: it ${problem}`, { hint });
}

/** The start of a value for an error message: inline data can be megabytes long. */
function preview(text: string): string {
  return text.length > 32 ? `${text.slice(0, 32)}…` : text;
}
