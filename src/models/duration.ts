/**
 * Go duration strings (`1m0s`, `1.5h`, `300ms`), parsed and formatted exactly as Go's `time` package does,
 * because Bacalhau writes them in config files and on the wire. Durations are int64 nanoseconds; we hold
 * them as bigint so nothing is lost beyond 2^53 ns (about 104 days).
 */

export const Nanosecond = 1n;
export const Microsecond = 1000n * Nanosecond;
export const Millisecond = 1000n * Microsecond;
export const Second = 1000n * Millisecond;
export const Minute = 60n * Second;
export const Hour = 60n * Minute;

const maxInt64 = (1n << 63n) - 1n;

const units: ReadonlyMap<string, bigint> = new Map([
  ['ns', Nanosecond],
  ['us', Microsecond],
  ['\u00b5s', Microsecond], // U+00B5 micro sign
  ['\u03bcs', Microsecond], // U+03BC Greek small letter mu
  ['ms', Millisecond],
  ['s', Second],
  ['m', Minute],
  ['h', Hour],
]);

/** Thrown for text that Go's `time.ParseDuration` rejects; the message is Go's. */
export class DurationSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationSyntaxError';
  }
}

const quote = (s: string): string => JSON.stringify(s);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Parses a Go duration string into nanoseconds. Throws DurationSyntaxError with Go's message. */
export function parseDuration(text: string): bigint {
  const invalid = (): DurationSyntaxError => new DurationSyntaxError(`time: invalid duration ${quote(text)}`);
  let s = text;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();

  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // integer part
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > 1n << 63n) throw invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // fraction part
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          const next = f * 10n + BigInt(s.charCodeAt(j) - 48);
          if (next > 1n << 63n) {
            overflow = true;
          } else {
            f = next;
            scale *= 10;
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    // unit
    let k = 0;
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++;
    if (k === 0) throw new DurationSyntaxError(`time: missing unit in duration ${quote(text)}`);
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = units.get(u);
    if (unit === undefined) {
      throw new DurationSyntaxError(`time: unknown unit ${quote(u)} in duration ${quote(text)}`);
    }
    if (v > (1n << 63n) / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go computes this in float64; so do we, to agree on rounding.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > 1n << 63n) throw invalid();
    }
    total += v;
    if (total > 1n << 63n) throw invalid();
  }
  if (neg) return -total;
  if (total > maxInt64) throw invalid();
  return total;
}

/** True when `text` is a valid Go duration string. */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/** Formats nanoseconds as Go's `Duration.String()` does: `0s`, `1.5µs`, `300ms`, `1m0s`, `24h0m0s`. */
export function formatDuration(ns: bigint): string {
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < Second) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < Microsecond) {
      prec = 0;
      unit = 'ns';
    } else if (u < Millisecond) {
      prec = 3;
      unit = '\u00b5s';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const [intPart, frac] = splitFrac(u, prec);
    out = `${intPart}${frac}${unit}`;
  } else {
    const [secondsTotal, frac] = splitFrac(u, 9);
    u = secondsTotal;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Splits v into v / 10^prec and its fraction printed as `.ddd` without trailing zeros ('' when zero). */
function splitFrac(v: bigint, prec: number): [bigint, string] {
  const div = 10n ** BigInt(prec);
  const frac = v % div;
  if (frac === 0n) return [v / div, ''];
  const digits = frac.toString().padStart(prec, '0').replace(/0+$/, '');
  return [v / div, `.${digits}`];
}

/** Normalises a Go duration string to Go's canonical form (`1m` → `1m0s`). Throws on invalid text. */
export function canonicalDuration(text: string): string {
  return formatDuration(parseDuration(text));
}

/** Milliseconds of a Go duration string, for timers (sub-millisecond precision is dropped). */
export function durationToMs(text: string): number {
  return Number(parseDuration(text) / Millisecond);
}

/** Formats milliseconds as a Go duration string. */
export function msToDuration(ms: number): string {
  return formatDuration(BigInt(Math.trunc(ms)) * Millisecond);
}
