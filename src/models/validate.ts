/** Small predicates shared by the model validators (Bacalhau's `pkg/lib/validate`). */

/** Blank = empty after trimming white space. */
export function isBlank(value: string | undefined): boolean {
  return value === undefined || value.trim() === '';
}

export function hasNullChar(value: string | undefined): boolean {
  return value?.includes('\u0000') ?? false;
}

export function hasWhitespace(value: string | undefined): boolean {
  return value !== undefined && /\s/u.test(value);
}

/**
 * The problems found in one context as Go reports them (`fmt.Errorf("<prefix>: %v", errors.Join(…))`):
 * one problem, the prefix once, then each problem on a line of its own; none when there are none.
 * Past {@link MaxListedLines} the rest are counted, as at the top level.
 */
export function within(prefix: string, problems: readonly string[]): string[] {
  return problems.length === 0 ? [] : [`${prefix}: ${listedFirst(problems, 'problems').join('\n')}`];
}

/**
 * Appends `items` one by one: `list.push(...items)` overflows the stack past ~100,000 items, and lists
 * built from a spec's arrays (result paths, constraints, ports) can be that long.
 */
export function appendAll<T>(list: T[], items: readonly T[]): void {
  for (const item of items) list.push(item);
}

/** Lines a message lists before it only counts the rest: thousands of bad entries stay readable. */
export const MaxListedLines = 20;

/**
 * The first {@link MaxListedLines} of `lines`, then one line counting the rest, e.g. "… and 5 more
 * problems"; all of them when only one is left over (its count would be no shorter than it).
 */
export function listedFirst(lines: readonly string[], what: string): string[] {
  if (lines.length <= MaxListedLines + 1) return [...lines];
  return [...lines.slice(0, MaxListedLines), `… and ${lines.length - MaxListedLines} more ${what}`];
}
