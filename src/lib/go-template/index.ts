/**
 * Go's `text/template` as Bacalhau runs job spec templates (`pkg/lib/template`: the variables of `-V`
 * and `-E` as a `map[string]string`, `missingkey=error`, no functions beyond Go's predefined ones).
 *
 * Supported: `{{.Name}}` and field chains, `{{index . "my-key"}}`, variables (`$`, `$x := …`,
 * `$x = …`), pipelines and parentheses, `if` / `else if` / `else`, `with`, `range` (over the map, in
 * key order, or an integer; `break`, `continue`), `define` / `template` / `block`, comments and
 * `{{-` / `-}}` trimming, and the predefined functions (and, or, not, len, index, slice, print,
 * printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery; not `call`, which needs Go values).
 * Error texts follow Go's (`template: :3: …`, `template: :3:9: executing "" at <.x>: …`).
 */
import { execute } from './exec.js';
import { parseTemplate } from './parse.js';

export { TemplateError, type TemplateErrorStage } from './errors.js';

/** @throws TemplateError with stage `parse` or `exec` */
export function renderGoTemplate(source: string, data: ReadonlyMap<string, string>): string {
  return execute(source, parseTemplate(source), data);
}
