import { BacalhauError, ErrorCode } from '../models/bacerrors.js';

/** One thing wrong with the configuration; collected so that every problem is reported at once. */
export interface Problem {
  readonly message: string;
  readonly hint?: string;
}

export const configComponent = 'config';

/**
 * One error for a list of problems found in the same place (`subject`, e.g. `config file "/x.yaml"`).
 * A single problem reads `<subject>: <problem>`; several are listed one per line.
 */
export function problemsError(
  problems: readonly Problem[],
  options: { subject?: string; code?: ErrorCode } = {},
): BacalhauError {
  const { subject, code = ErrorCode.ConfigurationError } = options;
  const only = problems.length === 1 ? problems[0] : undefined;
  const message =
    only !== undefined
      ? subject === undefined || subject === ''
        ? only.message
        : `${subject}: ${only.message}`
      : `${subject || 'configuration'} has ${problems.length} problems:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`;
  const hints = [...new Set(problems.flatMap((p) => (p.hint === undefined ? [] : [p.hint])))];
  return new BacalhauError(message, { code, component: configComponent, hint: hints.join('\n      ') });
}

/** Groups problems by subject and reports them all in one error. */
export function throwIfProblems(
  groups: ReadonlyArray<{ subject: string; problems: readonly Problem[]; code?: ErrorCode }>,
): void {
  const failing = groups.filter((g) => g.problems.length > 0);
  if (failing.length === 0) return;
  const [first] = failing;
  if (failing.length === 1 && first !== undefined) {
    throw problemsError(first.problems, {
      subject: first.subject,
      ...(first.code ? { code: first.code } : {}),
    });
  }
  const all = failing.flatMap((g) =>
    g.problems.map((p) => ({ ...p, message: g.subject === '' ? p.message : `${g.subject}: ${p.message}` })),
  );
  const code = failing.every((g) => g.code === ErrorCode.ValidationError)
    ? ErrorCode.ValidationError
    : ErrorCode.ConfigurationError;
  throw problemsError(all, { subject: 'configuration', code });
}
