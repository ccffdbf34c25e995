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

/** Prefixes every problem with the context it was found in, keeping them separate. */
export function within(prefix: string, problems: readonly string[]): string[] {
  return problems.map((p) => `${prefix}: ${p}`);
}
