/**
 * A text the user sent, cut to its first `max` characters (and `…`) where a log line or an error's
 * details quote it: the user already has the whole of it, and a megabyte of it helps nobody.
 */
export function abbreviate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
