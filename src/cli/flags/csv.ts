/**
 * One record of Go's `encoding/csv` reader, which pflag uses to split string-slice and
 * string-to-string flag values and Bacalhau uses to split `-i`/`-p` specs: comma-separated fields, a
 * field starting with `"` is quoted (`""` is a quote inside it), the record ends at a newline.
 */
import { InvalidArgumentError } from 'commander';

function parseError(column: number, message: string): InvalidArgumentError {
  return new InvalidArgumentError(`parse error on line 1, column ${column}: ${message}`);
}

/** The fields of the first record of `text`; Go's errors for stray quotes and for empty input. */
export function csvFields(text: string): string[] {
  if (text === '') throw new InvalidArgumentError('EOF');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw parseError(text.length + 1, 'extraneous or missing " in quoted-field');
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] === '"') {
          field += '"';
          i++;
        } else if (i === text.length || text[i] === ',' || text[i] === '\n' || text[i] === '\r') {
          break;
        } else {
          throw parseError(i + 1, 'extraneous or missing " in quoted-field');
        }
      }
    } else {
      const end = text.slice(i).search(/[,\r\n]/);
      field = end < 0 ? text.slice(i) : text.slice(i, i + end);
      const bare = field.indexOf('"');
      if (bare >= 0) throw parseError(i + bare + 1, 'bare " in non-quoted field');
      i += field.length;
    }
    fields.push(field);
    if (text[i] !== ',') return fields;
    i++;
  }
}
