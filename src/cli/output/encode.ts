/**
 * JSON and YAML as Bacalhau's CLI prints them: JSON like Go's `json.Encoder` (compact or two-space
 * indented, HTML-significant characters escaped, newline-terminated); YAML like `ghodss/yaml` (the JSON
 * form re-emitted as YAML: keys sorted, two-space indent, list items level with their key).
 */
import { stringify } from 'yaml';

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

export function toYaml(value: unknown): string {
  const plain: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
  return stringify(plain, { indent: 2, indentSeq: false, sortMapEntries: true, lineWidth: 0 });
}
