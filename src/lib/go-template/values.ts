/**
 * The values a job spec template works with (Bacalhau runs it on a `map[string]string`) and Go's way
 * of testing and printing them: `fmt`'s `%v`, `Sprint`, `Sprintln`, `Sprintf` for the common verbs.
 */

/** A template value: the variables map, a string, a number, a bool, nil, or "no value" (undefined). */
export type Value = ReadonlyMap<string, string> | string | number | boolean | null | undefined;

/** Whether the value is the variables map (the only map a job spec template sees). */
export function isVars(value: Value): value is ReadonlyMap<string, string> {
  return value instanceof Map;
}

/** Go's `template.IsTrue`: false, 0, nil, and empty strings and maps are false. */
export function truth(value: Value): boolean {
  if (isVars(value)) return value.size > 0;
  return value !== undefined && value !== null && value !== false && value !== 0 && value !== '';
}

/** Go's type name of a value, for messages (`string`, `int`, `map[string]string`, …). */
export function typeName(value: Value): string {
  if (isVars(value)) return 'map[string]string';
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  return typeof value === 'boolean' ? 'bool' : 'string';
}

/** `%v` */
export function show(value: Value): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (isVars(value)) {
    const entries = [...value.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, v]) => `${k}:${v}`).join(' ')}]`;
  }
  return String(value);
}

/** `fmt.Sprint`: operands side by side, a space between two when neither is a string. */
export function sprint(args: readonly Value[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += show(arg);
  });
  return out;
}

/** `fmt.Sprintln`: operands separated by spaces, then a newline. */
export function sprintln(args: readonly Value[]): string {
  return `${args.map(show).join(' ')}\n`;
}

/** `fmt.Sprintf` for the verbs v s q d f e g x X o b c t and %%, with flags `-+0 ` and width.precision. */
export function sprintf(format: string, args: readonly Value[]): string {
  let out = '';
  let next = 0;
  const pattern = /%([-+0 #]*)(\d*)(?:\.(\d*))?([a-zA-Z%])/gu;
  let last = 0;
  for (let match = pattern.exec(format); match !== null; match = pattern.exec(format)) {
    out += format.slice(last, match.index);
    last = pattern.lastIndex;
    const [, flags = '', width = '', precision, verb = ''] = match;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (next >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[next++];
    const text = formatOne(verb, arg, precision === undefined ? undefined : Number(precision || '0'), flags);
    out += pad(text, Number(width || '0'), flags, typeof arg === 'number' && verb !== 's' && verb !== 'q');
  }
  out += format.slice(last);
  if (next < args.length) {
    out += `%!(EXTRA ${args
      .slice(next)
      .map((a) => `${typeName(a)}=${show(a)}`)
      .join(', ')})`;
  }
  return out;
}

function formatOne(verb: string, arg: Value, precision: number | undefined, flags: string): string {
  const bad = (): string => `%!${verb}(${typeName(arg)}=${show(arg)})`;
  const signed = (text: string, n: number): string => (flags.includes('+') && n >= 0 ? `+${text}` : text);
  switch (verb) {
    case 'v':
      return show(arg);
    case 's':
      if (typeof arg !== 'string') return bad();
      return precision === undefined ? arg : arg.slice(0, precision);
    case 'q':
      return typeof arg === 'string' ? JSON.stringify(arg) : bad();
    case 't':
      return typeof arg === 'boolean' ? String(arg) : bad();
    case 'd':
      return typeof arg === 'number' && Number.isInteger(arg) ? signed(String(arg), arg) : bad();
    case 'c':
      return typeof arg === 'number' && Number.isInteger(arg) ? String.fromCodePoint(arg) : bad();
    case 'o':
    case 'b':
      return typeof arg === 'number' && Number.isInteger(arg) ? arg.toString(verb === 'o' ? 8 : 2) : bad();
    case 'x':
    case 'X': {
      const hex =
        typeof arg === 'string'
          ? Buffer.from(arg).toString('hex')
          : typeof arg === 'number' && Number.isInteger(arg)
            ? arg.toString(16)
            : undefined;
      if (hex === undefined) return bad();
      return verb === 'X' ? hex.toUpperCase() : hex;
    }
    case 'f':
    case 'F':
      return typeof arg === 'number' ? signed(arg.toFixed(precision ?? 6), arg) : bad();
    case 'e':
    case 'E': {
      if (typeof arg !== 'number') return bad();
      // Go writes at least two exponent digits: 1.500000e+00
      const text = arg.toExponential(precision ?? 6).replace(/e([+-])(\d)$/u, 'e$10$2');
      return signed(verb === 'E' ? text.toUpperCase() : text, arg);
    }
    case 'g':
    case 'G':
      return typeof arg === 'number'
        ? signed(precision === undefined ? String(arg) : arg.toPrecision(precision), arg)
        : bad();
    default:
      return `%!${verb}(${typeName(arg)}=${show(arg)})`;
  }
}

function pad(text: string, width: number, flags: string, numeric: boolean): string {
  if (text.length >= width) return text;
  if (flags.includes('-')) return text.padEnd(width);
  if (flags.includes('0') && numeric) {
    const sign = /^[+-]/u.test(text) ? text.charAt(0) : '';
    return sign + text.slice(sign.length).padStart(width - sign.length, '0');
  }
  return text.padStart(width);
}
