/**
 * JSON and YAML as Bacalhau's CLI prints them: JSON like Go's `json.Encoder` (compact or two-space
 * indented, HTML-significant characters escaped, newline-terminated); YAML like `ghodss/yaml` (the JSON
 * form re-emitted as YAML: keys sorted, two-space indent, list items level with their key).
 */
import { Document, isScalar, Scalar, visit } from 'yaml';

/** Go's encoder escapes these even inside strings; they only ever occur inside strings in JSON text. */
const goEscapes: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

export function toJson(value: unknown, pretty = false): string {
  const text = JSON.stringify(value, null, pretty ? 2 : undefined) ?? 'null';
  return `${text.replace(/[<>&\u2028\u2029]/g, (c) => goEscapes[c] ?? c)}\n`;
}

/**
 * A key `<<` is quoted, as Go's YAML writer quotes it: written plain, it is a merge key to the readers
 * (Go's, and `job run`'s), and the printed spec would not read back (a label named `<<`, say).
 */
export function toYaml(value: unknown): string {
  const plain: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
  const doc = new Document(plain, { sortMapEntries: true });
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === '<<') pair.key.type = Scalar.QUOTE_SINGLE;
    },
  });
  return doc.toString({ indent: 2, indentSeq: false, lineWidth: 0 });
}
