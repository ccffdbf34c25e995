/**
 * The `Range` request header for a file of `size` bytes, read as Go's `http.ServeContent` reads it
 * (RFC 9110 §14.2): `bytes=first-last`, `bytes=first-` or `bytes=-suffixLength`, with its two answers
 * "invalid range" and "invalid range: failed to overlap". Where it differs from Go:
 * - several ranges are served as the whole file (which the RFC allows), where Go answers with a
 *   multipart body that no Bacalhau client asks for;
 * - `bytes=-0` and any suffix of an empty file select nothing (416, as the RFC says), where Go serves
 *   an empty part;
 * - a number with a sign (`+5`) or beyond 2^53 is invalid, where Go's ParseInt takes it.
 */

export type RangeAnswer =
  /** No Range header, or several ranges: the whole file, 200. */
  | { readonly kind: 'whole' }
  /** 206 with bytes `start` to `end`, both included. */
  | { readonly kind: 'part'; readonly start: number; readonly end: number }
  /** 416 with Go's message; `noOverlap` when the range starts past the end (Content-Range: bytes *). */
  | { readonly kind: 'unsatisfiable'; readonly message: string; readonly noOverlap: boolean };

const invalid: RangeAnswer = { kind: 'unsatisfiable', message: 'invalid range', noOverlap: false };
const noOverlap: RangeAnswer = {
  kind: 'unsatisfiable',
  message: 'invalid range: failed to overlap',
  noOverlap: true,
};

export function byteRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined || header === '') return { kind: 'whole' };
  if (!header.startsWith('bytes=')) return invalid;
  const parts: { start: number; end: number }[] = [];
  /** A range that selects nothing of the file: past its end, or an empty suffix. */
  let skipped = false;
  for (const spec of header.slice('bytes='.length).split(',')) {
    const text = spec.trim();
    if (text === '') continue;
    const dash = text.indexOf('-');
    if (dash < 0) return invalid;
    const [first, last] = [text.slice(0, dash).trim(), text.slice(dash + 1).trim()];
    if (first === '') {
      // the last `last` bytes, all of them in a shorter file
      const length = digits(last);
      if (length === undefined) return invalid;
      if (length === 0 || size === 0) skipped = true;
      else parts.push({ start: Math.max(0, size - length), end: size - 1 });
      continue;
    }
    const start = digits(first);
    if (start === undefined) return invalid;
    if (start >= size) {
      skipped = true; // as Go, without looking at its end
      continue;
    }
    const given = last === '' ? size - 1 : digits(last);
    if (given === undefined || given < start) return invalid;
    parts.push({ start, end: Math.min(given, size - 1) });
  }
  const [only, ...more] = parts;
  if (only === undefined) return skipped ? noOverlap : { kind: 'whole' };
  return more.length > 0 ? { kind: 'whole' } : { kind: 'part', ...only };
}

/** A non-negative decimal integer within the safe range, or undefined. */
function digits(text: string): number | undefined {
  if (!/^\d+$/u.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
