/**
 * Which text Go's YAML writer (gopkg.in/yaml.v2, under Bacalhau's `ghodss/yaml` output) quotes with
 * double quotes: text that its YAML 1.1 reader would take for something else written plain (a bool
 * such as `yes` or `off`, null, a number in any base, a timestamp, a base-60 number, the merge key
 * `<<`). Other text it writes plain when it can, else single-quoted.
 */

/** Read as a bool, null, a special float or the merge key (yaml.v2's resolve table). */
const Resolved = new Set([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE'],
  ...['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE'],
  ...['', '~', 'null', 'Null', 'NULL'],
  ...['.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF'],
  '<<',
]);

/** Go's `strconv.ParseInt(s, 0, 64)` syntax (or ParseUint's), once underscores are dropped. */
const GoInteger = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[0-9]+)$/;
/** yaml.v2's `yamlStyleFloat`. */
const YamlFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** Go's `strconv.ParseFloat` for text starting with a dot (the special values are in the table). */
const DotFloat = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;
/** yaml.v2's `base60float`: no longer read as a number, still quoted for older readers. */
const Base60Float = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
/** The timestamp layouts yaml.v2 tries: a date, with a time after `T`, `t` or a space. */
const Timestamp =
  /^\d{4}-(\d{1,2})-(\d{1,2})(?:(?:[Tt]\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))|(?: \d{1,2}:\d{1,2}:\d{1,2}(?:\.\d+)?))?$/;

/** Whether yaml.v2 would read `text`, written plain, as anything but that text. */
export function goReadsAsOtherThanText(text: string): boolean {
  if (Resolved.has(text)) return true;
  const first = text[0] ?? '';
  if (first === '.') return DotFloat.test(text);
  if (!/[-+0-9]/.test(first)) return false;
  const timestamp = Timestamp.exec(text);
  if (timestamp !== null && isDate(Number(timestamp[1]), Number(timestamp[2]))) return true;
  const plain = text.replaceAll('_', '');
  return GoInteger.test(plain) || YamlFloat.test(plain) || Base60Float.test(text);
}

function isDate(month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}
