/**
 * JSON and YAML as Bacalhau's CLI prints them: JSON like Go's `json.Encoder` (compact or two-space
 * indented, HTML-significant characters escaped, newline-terminated); YAML like `ghodss/yaml` (the JSON
 * form re-emitted as YAML: keys sorted, two-space indent, list items level with their key).
 */
import { Document, Scalar, visit } from 'yaml';
import { goReadsAsOtherThanText } from './yaml-v2-scalars.js';

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
 * Text is quoted as Go's YAML writer quotes it (yaml-v2-scalars.ts): double quotes where Go's reader
 * would take it for something else (`"yes"`, `"2024-01-02"`, a key `"<<"`, which plain is a merge key,
 * so that a printed spec reads back), single quotes where it cannot be plain (`'********'`).
 */
export function toYaml(value: unknown): string {
  const plain: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
  const doc = new Document(plain, { sortMapEntries: true });
  visit(doc, {
    Scalar(_, scalar) {
      const text = scalar.value;
      // multi-line text is a literal block, in Go as here
      if (typeof text === 'string' && !text.includes('\n') && goReadsAsOtherThanText(text)) {
        scalar.type = Scalar.QUOTE_DOUBLE;
      }
    },
  });
  return doc.toString({ indent: 2, indentSeq: false, lineWidth: 0, singleQuote: true });
}
