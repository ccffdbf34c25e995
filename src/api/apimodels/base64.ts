/**
 * Go's `encoding/base64` as the API uses it: `std` (StdEncoding, padded) for `[]byte` JSON fields and
 * Basic credentials, `rawurl` (RawURLEncoding, URL alphabet, no padding) for paging tokens and JWT
 * segments. Decoding is as strict as Go's (padding where required, nothing after it, `\r` and `\n`
 * skipped, trailing bits ignored), and a refusal names the offset as Go's `CorruptInputError` does, so
 * messages match Go's `illegal base64 data at input byte N`. Browser-safe.
 */

export type Base64Variant = 'std' | 'rawurl';

const stdAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const urlAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export class Base64Error extends Error {
  constructor(readonly offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
    this.name = 'Base64Error';
  }
}

export function base64Encode(bytes: Uint8Array, variant: Base64Variant = 'std'): string {
  const alphabet = variant === 'std' ? stdAlphabet : urlAlphabet;
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, bytes.length - i + 1);
    for (let c = 0; c < chars; c++) out += alphabet[(n >> (18 - 6 * c)) & 63];
    if (variant === 'std') out += '='.repeat(4 - chars);
  }
  return out;
}

/** @throws Base64Error naming the first offending input byte, as Go does. */
export function base64Decode(text: string, variant: Base64Variant = 'std'): Uint8Array {
  const alphabet = variant === 'std' ? stdAlphabet : urlAlphabet;
  const padded = variant === 'std';
  const out: number[] = [];
  const emit = (quantum: readonly number[], count: number): void => {
    const n =
      ((quantum[0] ?? 0) << 18) | ((quantum[1] ?? 0) << 12) | ((quantum[2] ?? 0) << 6) | (quantum[3] ?? 0);
    for (let b = 0; b < count - 1; b++) out.push((n >> (16 - 8 * b)) & 0xff);
  };
  const skipNewlines = (from: number): number => {
    let i = from;
    while (text[i] === '\n' || text[i] === '\r') i++;
    return i;
  };

  let si = 0;
  for (;;) {
    const quantum: number[] = [];
    while (quantum.length < 4) {
      si = skipNewlines(si);
      if (si === text.length) {
        const j = quantum.length;
        if (j === 0) return Uint8Array.from(out);
        if (j === 1 || padded) throw new Base64Error(si - j);
        emit(quantum, j);
        return Uint8Array.from(out);
      }
      const ch = text[si] ?? '';
      const value = alphabet.indexOf(ch);
      if (value >= 0) {
        quantum.push(value);
        si++;
        continue;
      }
      if (ch !== '=' || !padded || quantum.length < 2) throw new Base64Error(si);
      // Padding ends the input: `xx==` or `xxx=`, then nothing but newlines.
      si++;
      if (quantum.length === 2) {
        si = skipNewlines(si);
        if (si === text.length) throw new Base64Error(text.length);
        // Go names the first `=` when the second is missing.
        if (text[si] !== '=') throw new Base64Error(si - 1);
        si++;
      }
      si = skipNewlines(si);
      if (si < text.length) throw new Base64Error(si);
      emit(quantum, quantum.length);
      return Uint8Array.from(out);
    }
    emit(quantum, 4);
  }
}
