/**
 * Job spec templates (`job run -V key=value -E <regex>`): the variables, and the spec run through Go's
 * text/template with `missingkey=error`, as Bacalhau's `lib/template` does (lib/go-template says which
 * of text/template's features are there).
 */
import { goRegExp } from '../../../lib/go-regexp.js';
import { renderGoTemplate, TemplateError } from '../../../lib/go-template/index.js';
import { BacalhauError, ErrorCode } from '../../../models/bacerrors.js';

export interface TemplateOptions {
  /** `-V/--template-vars` values. */
  readonly vars: Readonly<Record<string, string>>;
  /** `-E/--template-envs`: environment variables whose names match are variables too (`*` = all). */
  readonly envPattern: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

function templateError(message: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.ValidationError, component: 'CLI' });
}

/** The variables: `-V` values win over environment variables of the same name. */
export function templateVariables(options: TemplateOptions): Map<string, string> {
  const vars = new Map<string, string>();
  if (options.envPattern !== '') {
    let pattern: RegExp;
    try {
      pattern = goRegExp(options.envPattern === '*' ? '.*' : options.envPattern);
    } catch (err) {
      // V8's text repeats the pattern (`Invalid regular expression: /[/: Unterminated character class`)
      const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /su, '');
      throw templateError(
        `failed to compile environment variable pattern ${JSON.stringify(options.envPattern)}: ${reason}`,
      );
    }
    for (const [name, value] of Object.entries(options.env)) {
      if (value !== undefined && pattern.test(name)) vars.set(name, value);
    }
  }
  for (const [name, value] of Object.entries(options.vars)) vars.set(name, value);
  return vars;
}

/**
 * Expands the template as Bacalhau does (Go's text/template, see lib/go-template).
 * @throws BacalhauError (ValidationError) `failed to parse template: …` or `failed to execute template: …`
 */
export function expandTemplate(text: string, vars: ReadonlyMap<string, string>): string {
  try {
    return renderGoTemplate(text, vars);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    throw templateError(`failed to ${err.stage} template: ${err.message}`);
  }
}
