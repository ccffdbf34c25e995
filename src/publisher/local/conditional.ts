/**
 * The conditional request headers the local result server honours, as Go's `http.ServeContent` does
 * for a file without an ETag: `If-None-Match`, `If-Modified-Since` (304) and `If-Range` (whether a
 * Range is served). Dates are read as Go's `http.ParseTime` reads them, in its three formats only;
 * anything else is no date (JavaScript's `Date.parse` would take local times, ISO strings, "9999").
 */
import type { IncomingHttpHeaders } from 'node:http';

const Weekdays = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const LongWeekdays = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';
const Months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const Time = String.raw`(?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2})`;
const Month = `(?<month>${Months.join('|')})`;

const Formats: readonly RegExp[] = [
  // IMF-fixdate (http.TimeFormat): Sun, 06 Nov 1994 08:49:37 GMT
  new RegExp(String.raw`^(?:${Weekdays}), (?<day>\d{2}) ${Month} (?<year>\d{4}) ${Time} GMT$`, 'u'),
  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
  new RegExp(String.raw`^(?:${LongWeekdays}), (?<day>\d{2})-${Month}-(?<year>\d{2}) ${Time} GMT$`, 'u'),
  // ANSI C asctime: Sun Nov  6 08:49:37 1994
  new RegExp(String.raw`^(?:${Weekdays}) ${Month} (?<day>[ \d]\d) ${Time} (?<year>\d{4})$`, 'u'),
];

/** An HTTP date in ms since the epoch, or undefined when it is none of Go's three formats. */
export function parseHttpDate(text: string): number | undefined {
  const found = Formats.map((format) => format.exec(text)?.groups).find((groups) => groups !== undefined);
  if (found === undefined) return undefined;
  const number = (name: string): number => Number(found[name]!.trim());
  // a two-digit year as Go reads it: 69–99 are 19xx, 00–68 are 20xx
  const year = found['year']!.length === 4 ? number('year') : ((number('year') + 31) % 100) + 1969;
  const parts = [
    year,
    Months.indexOf(found['month']!),
    number('day'),
    number('hour'),
    number('minute'),
    number('second'),
  ] as const;
  const date = new Date(Date.UTC(...parts));
  // out of range (31 Feb, 25:00) is an error in Go, where Date.UTC rolls over
  const back = [
    date.getUTCFullYear(),
    date.getUTCMonth(),
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ];
  return back.every((value, i) => value === parts[i]) ? date.getTime() : undefined;
}

/** A file's modification time to the second, as Last-Modified carries it. */
const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * Whether a GET or HEAD gets 304: `If-None-Match: *` (this server has no ETags, so no other tag
 * matches, and then `If-Modified-Since` is not looked at), else `If-Modified-Since` no earlier than
 * the file's modification time.
 */
export function notModified(headers: IncomingHttpHeaders, modifiedMs: number): boolean {
  const noneMatch = headers['if-none-match']?.trim() ?? '';
  if (noneMatch !== '') return noneMatch.split(',').some((tag) => tag.trim() === '*');
  const since = parseHttpDate(headers['if-modified-since'] ?? '');
  return since !== undefined && seconds(modifiedMs) * 1000 <= since;
}

/**
 * Whether a Range is served: no `If-Range`, or one dated the file's modification time (to the
 * second). An entity tag never matches here, having no ETags; a bad date does not either.
 */
export function rangeApplies(headers: IncomingHttpHeaders, modifiedMs: number): boolean {
  const ifRange = String(headers['if-range'] ?? '');
  if (ifRange === '') return true;
  const date = parseHttpDate(ifRange);
  return date !== undefined && seconds(date) === seconds(modifiedMs);
}
