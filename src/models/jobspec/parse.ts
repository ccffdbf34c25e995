import { parseDocument, type Document, type YAMLParseError } from 'yaml';
import { BacalhauError, ErrorCode, errorMessage } from '../bacerrors.js';
import { resolveAliases, YamlAliasHint } from './yaml-aliases.js';
import { yamlTooDeepAt } from './yaml-depth.js';

/** Bacalhau refuses to unmarshal job specs larger than this (`MaxSerializedStringInput`, 10 MB). */
export const MaxSpecBytes = 10 * 1000 * 1000;

/**
 * Reads a YAML or JSON document (JSON is a subset of YAML) into plain data. Errors name the line and
 * column. An empty document is an error, as Bacalhau's `testdata/jobs/empty.yaml` expects.
 */
export function parseSpecDocument(text: string, source = 'job spec'): unknown {
  const size = new TextEncoder().encode(text).length;
  if (size > MaxSpecBytes) {
    throw specError(
      `size of bytes to unmarshal (${size}) larger than maximum allowed (${MaxSpecBytes})`,
      'split the job or move large inline data into an input source (s3, urlDownload, ipfs)',
    );
  }
  const deep = yamlTooDeepAt(text);
  if (deep !== undefined) {
    throw specError(
      `${source}: nested too deeply at line ${deep.line}, column ${deep.column}: a job spec is a few levels deep`,
      'fix the YAML/JSON syntax at the position shown',
    );
  }
  // `uniqueKeys` rejects a key given twice in one mapping; `prettyErrors` adds line and column;
  // `logLevel` keeps the library's own warnings (a mapping used as a key) off the user's terminal;
  // `merge` expands merge keys (`<<: *base`), as Go's YAML 1.1 reader does. Scalars stay YAML 1.2's:
  // `yes` is text (Go reads true, then refuses it for a text field) and `010` is 10 (Go: 8).
  const doc = parseDocument(text, {
    uniqueKeys: true,
    prettyErrors: true,
    strict: true,
    logLevel: 'error',
    merge: true,
  });
  const [first, ...more] = doc.errors;
  // The first error only, as Go's parser reports it: later ones mostly follow from it.
  if (first !== undefined) {
    const json = describeJsonError(text, source);
    if (json !== undefined) throw specError(json, 'fix the JSON syntax at the position shown');
    const others = more.length === 0 ? '' : ` (and ${more.length} more after it)`;
    throw specError(
      `${describeYamlError(first, source)}${others}`,
      'fix the YAML/JSON syntax at the position shown',
    );
  }
  const value = toPlainData(doc, source);
  // an explicit `null` or `~` is not empty: the decoder says a spec is a mapping, not null
  if (doc.contents === null || value === undefined || (typeof value === 'string' && value.trim() === '')) {
    throw specError(`${source} is empty`, 'a job spec needs at least Type and Tasks');
  }
  return value;
}

/** Resolves aliases into plain data; a dangling, runaway or self-containing alias is a syntax problem. */
function toPlainData(doc: Document, source: string): unknown {
  try {
    return resolveAliases(doc);
  } catch (err) {
    throw specError(`${source}: ${errorMessage(err)}`, YamlAliasHint);
  }
}

function describeYamlError(err: YAMLParseError, source: string): string {
  const position = err.linePos?.[0];
  const where = position ? ` at line ${position.line}, column ${position.col}` : '';
  if (err.code === 'MULTIPLE_DOCS') {
    return `${source}: a second YAML document starts${where} (after ---): a job spec is one document, so give each job its own file`;
  }
  // The library's message repeats the position and adds a source excerpt; keep its first line only.
  const detail = err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? err.code;
  return `${source}: YAML syntax error${where}: ${shortened(detail)}`;
}

/**
 * What is wrong with a document that is meant to be JSON (it opens with `{` or `[`), in JSON's terms,
 * when JSON's parser says where: the YAML parser's view of broken JSON ("Unexpected double-quoted-scalar
 * token") puzzles people who wrote JSON. Undefined for other documents, and when JSON's message names
 * no position (it then quotes the whole document instead).
 */
function describeJsonError(text: string, source: string): string | undefined {
  if (!/^\s*[[{]/.test(text)) return undefined;
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const message = errorMessage(err);
    const match = / in JSON at position (\d+)/.exec(message);
    if (match === null) return undefined;
    const before = text.slice(0, Number(match[1])).split('\n');
    const line = before.length;
    const column = (before.at(-1)?.length ?? 0) + 1;
    const reason = message.slice(0, match.index);
    return `${source}: JSON syntax error at line ${line}, column ${column}: ${reason}`;
  }
}

/** A message quoting a whole line of the spec (a data URL can be megabytes) is cut. */
function shortened(detail: string, max = 200): string {
  return detail.length <= max ? detail : `${detail.slice(0, max)}… (${detail.length - max} more characters)`;
}

function specError(message: string, hint: string): BacalhauError {
  return new BacalhauError(message, { code: ErrorCode.ValidationError, component: 'JobSpec', hint });
}
