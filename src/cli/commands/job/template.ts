/**
 * Job spec templates (`job run -V key=value -E <regex>`): Go text/template's variable actions,
 * `{{.Name}}`, `{{ .Name }}`, with `{{-`/`-}}` trimming and comment actions, executed with
 * `missingkey=error` (Bacalhau's `lib/template`). Other actions (functions, pipelines, control
 * structures) are refused with a clear error rather than guessed at.
 */
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
      pattern = new RegExp(options.envPattern === '*' ? '.*' : options.envPattern);
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

/** Line (1-based) of an offset, for Go-style `template: :<line>:` positions. */
function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** Expands the template. Throws a ValidationError naming the line of a bad or unknown action. */
export function expandTemplate(text: string, vars: ReadonlyMap<string, string>): string {
  let out = '';
  let pos = 0;
  for (;;) {
    const open = text.indexOf('{{', pos);
    if (open < 0) return out + text.slice(pos);
    const close = text.indexOf('}}', open + 2);
    if (close < 0)
      throw templateError(`failed to parse template: template: :${lineOf(text, open)}: unclosed action`);
    let before = text.slice(pos, open);
    let action = text.slice(open + 2, close);
    let next = close + 2;
    if (action.startsWith('- ')) {
      before = before.trimEnd();
      action = action.slice(1);
    }
    if (action.endsWith(' -')) {
      action = action.slice(0, -1);
      const rest = text.slice(next);
      next += rest.length - rest.trimStart().length;
    }
    out += before;
    const body = action.trim();
    if (!(body.startsWith('/*') && body.endsWith('*/'))) {
      const match = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
      if (match === null) {
        throw templateError(
          `failed to parse template: template: :${lineOf(text, open)}: unsupported action {{${action}}}; ` +
            'only variables ({{.Name}}) are supported',
        );
      }
      const name = match[1] ?? '';
      const value = vars.get(name);
      if (value === undefined) {
        throw templateError(
          `failed to execute template: template: :${lineOf(text, open)}: executing "" at <.${name}>: ` +
            `map has no entry for key "${name}"`,
        );
      }
      out += value;
    }
    pos = next;
  }
}
