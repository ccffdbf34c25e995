/**
 * Times as Bacalhau's CLI prints them, in UTC (its models' `GetCreateTime` is `.UTC()`, and event times
 * arrive as RFC 3339 `Z` strings, whatever the user's time zone): Go's `time.DateTime`
 * (`2006-01-02 15:04:05`), `time.TimeOnly`, `15:04:05.000`, and the "3m5s ago" of `output.Elapsed`.
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A time in Unix nanoseconds (the wire's `CreateTime`/`ModifyTime`) as a Date. */
export function fromNanos(nanos: number): Date {
  return new Date(nanos / 1e6);
}

export function timeOnly(date: Date): string {
  return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

export function dateTime(date: Date): string {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${timeOnly(date)}`;
}

export function timeOnlyMilli(date: Date): string {
  return `${timeOnly(date)}.${pad(date.getUTCMilliseconds(), 3)}`;
}

/** Go's `output.ShortenTime` enforcer: a `dateTime` too wide for its column keeps only the time. */
export function shortenTime(value: string, maxWidth: number): string {
  return value.length > maxWidth ? value.slice(value.indexOf(' ') + 1) : value;
}

/** How long ago `date` was: `3d4h ago`, `2h ago`, `5m10s ago`, `10s ago` (Go's `output.Elapsed`). */
export function elapsed(date: Date, now: number = Date.now()): string {
  const total = Math.max(0, Math.floor((now - date.getTime()) / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  let text: string;
  if (days > 0) text = hours > 0 ? `${days}d${hours}h` : `${days}d`;
  else if (hours > 0) text = minutes > 0 ? `${hours}h${minutes}m` : `${hours}h`;
  else if (minutes > 0) text = seconds > 0 ? `${minutes}m${seconds}s` : `${minutes}m`;
  else text = `${seconds}s`;
  return `${text} ago`;
}
