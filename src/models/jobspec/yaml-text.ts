/**
 * A YAML (or JSON) file's bytes as text, in the encodings Go's yaml.v3 reads: UTF-8 (with or without a
 * byte-order mark) and UTF-16 marked by its byte-order mark. Anything else is refused with where it
 * goes wrong: decoding it leniently would turn bad bytes into U+FFFD inside the user's values (a name,
 * a command) and a UTF-16 file without a mark into one long string full of NULs.
 */

/** Where a file stops being text we can read, 1-based as editors count. */
export class YamlEncodingError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(reason: string, line: number, column: number) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'YamlEncodingError';
    this.line = line;
    this.column = column;
  }
}

/** What to do about a refused file, whatever it holds. */
export const YamlEncodingHint = 'convert it to UTF-8, e.g. with iconv -t UTF-8';

/** The text of `bytes`; throws YamlEncodingError for bytes that are not text in a readable encoding. */
export function yamlText(bytes: Uint8Array): string {
  if (isUtf32(bytes)) throw new YamlEncodingError('UTF-32 text, which YAML readers do not read', 1, 1);
  const encoding = utf16Encoding(bytes);
  let text: string;
  try {
    text = new TextDecoder(encoding ?? 'utf-8', { fatal: true }).decode(bytes);
  } catch {
    if (encoding !== undefined) {
      // the lenient decoder marks the first unpaired surrogate with U+FFFD
      const lenient = new TextDecoder(encoding).decode(bytes);
      const { line, column } = positionOf(lenient.slice(0, Math.max(0, lenient.indexOf('\uFFFD'))));
      throw new YamlEncodingError(`invalid ${encoding} text`, line, column);
    }
    const offset = firstInvalidUtf8(bytes);
    const { line, column } = positionOf(new TextDecoder().decode(bytes.subarray(0, offset)));
    const byte = (bytes[offset] ?? 0).toString(16).padStart(2, '0');
    throw new YamlEncodingError(`invalid UTF-8 (byte 0x${byte})`, line, column);
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    const { line, column } = positionOf(text.slice(0, nul));
    const reason = 'a NUL character, which YAML and JSON do not allow (UTF-16 without a byte-order mark?)';
    throw new YamlEncodingError(reason, line, column);
  }
  return text;
}

/** A UTF-32 byte-order mark (little-endian's starts like UTF-16LE's, so this is checked first). */
function isUtf32(bytes: Uint8Array): boolean {
  const [a, b, c, d] = bytes;
  return (a === 0xff && b === 0xfe && c === 0 && d === 0) || (a === 0 && b === 0 && c === 0xfe && d === 0xff);
}

/** The UTF-16 variant a byte-order mark announces; undefined for anything else (read as UTF-8). */
function utf16Encoding(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** Where the text that precedes a position ends: its line and the column after its last character. */
function positionOf(before: string): { line: number; column: number } {
  const lines = before.split(/\r\n|\r|\n/u);
  return { line: lines.length, column: [...(lines.at(-1) ?? '')].length + 1 };
}

/**
 * The offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF); `bytes.length` if there is none.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    const length = sequenceLength(lead);
    if (length === 0) return i;
    // The second byte's range narrows for some leads; the others are 0x80..0xBF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < length; k++) {
      const byte = bytes[i + k];
      const min = k === 1 ? low : 0x80;
      const max = k === 1 ? high : 0xbf;
      if (byte === undefined || byte < min || byte > max) return i;
    }
    i += length;
  }
  return bytes.length;
}

/** How many bytes a sequence that starts with `lead` has; 0 when no sequence starts with it. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}
