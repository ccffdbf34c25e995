import { describe, expect, it } from 'vitest';
import { fatalText } from '../messages.js';
import { printKeyValues } from './output.js';
import { renderTable } from './table.js';
import { terminalSafe } from './terminal-safe.js';

/** A job name as a submitter may choose it: retitles the window, clears the screen, rings the bell. */
const hostile = 'evil\x1b]0;pwned\x07\x1b[2J\rover\x9b';
const shown = 'evil\\x1b]0;pwned\\x07\\x1b[2J\\x0dover\\x9b';

describe('terminalSafe', () => {
  it('shows control characters escaped, keeps tabs, newlines and colour codes', () => {
    expect(terminalSafe(hostile)).toBe(shown);
    expect(terminalSafe('a\tb\nc\r\nd \x1b[31mred\x1b[0m é 漢')).toBe('a\tb\nc\nd \x1b[31mred\x1b[0m é 漢');
  });

  it('is applied to table cells, key = value lines and error messages', () => {
    const table = renderTable([{ name: 'Name', value: (name: string) => name }], [hostile], {
      hideHeader: true,
    });
    expect(table).toBe(` ${shown} \n`);
    let written = '';
    printKeyValues({ stdout: { write: (s: string) => void (written += s) }, env: {} }, [['Name', hostile]]);
    expect(written).toBe(`Name = ${shown}\n`);
    expect(fatalText(`bad entry "${hostile}"`, hostile)).toBe(
      `\nError: bad entry "${shown}"\nHint:  ${shown}\n`,
    );
  });
});
