/**
 * Go `fmt` renderings that appear in ranking reasons. Kept here (not in models) because only ranking
 * reasons need them.
 */

/**
 * Go's `fmt.Sprint(float64)` (`%v`, i.e. `strconv.FormatFloat(x, 'g', -1, 64)`): the shortest digits
 * that round-trip, in exponent form when the decimal exponent is below -4 or at least 6:
 * `0.5`, `2`, `0.0001`, `1e-05`, `123456`, `1.234567e+06`, `+Inf`, `NaN`.
 */
export function formatGoFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return '+Inf';
  if (x === Number.NEGATIVE_INFINITY) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa = '', exponentText = '0'] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  // Within this range JavaScript prints the same shortest digits without an exponent.
  return String(x);
}

/** Go's `%s` of a `map[string]string`: `map[a:1 b:2]`, keys sorted; `map[]` when empty or nil. */
export function formatGoStringMap(map: Readonly<Record<string, string>> | null | undefined): string {
  const entries = Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}:${map?.[key] ?? ''}`);
  return `map[${entries.join(' ')}]`;
}
