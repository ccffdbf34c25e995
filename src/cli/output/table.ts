/**
 * Table and CSV rendering in the layout of Bacalhau's go-pretty tables (`StyleColoredGreenWhiteOnBlack`,
 * or its uncoloured twin with `--no-style`): no borders, one space of padding each side of every cell,
 * upper-cased headers, multi-line cells, long values wrapped at the column's maximum width. Cells show
 * control characters escaped (terminal-safe.ts): they hold what jobs and nodes are named and say.
 */
import { terminalSafe } from './terminal-safe.js';

/** One column of a list: how to read the cell from a row, and how wide it may grow. */
export interface Column<T> {
  /** Header text; tables upper-case it, CSV prints it as is. */
  readonly name: string;
  readonly value: (row: T) => string;
  /** Widest the column may be in a table, unless `--wide`. */
  readonly maxWidth?: number;
  /**
   * What to do with longer values: wrap at spaces (default), wrap anywhere, cut, or a function of the
   * value and the maximum width (go-pretty's `WidthMaxEnforcer`, e.g. shortening IDs).
   */
  readonly overflow?: 'wrap' | 'wrap-hard' | 'truncate' | ((value: string, maxWidth: number) => string);
  /** Narrowest the column is in a table (pads; for tables printed one row at a time). */
  readonly minWidth?: number;
  readonly align?: 'left' | 'right';
}

export interface TableRenderOptions {
  readonly hideHeader?: boolean;
  /** Ignore the columns' maximum widths. */
  readonly wide?: boolean;
  /** Emit ANSI colours (green header, white rows on black). */
  readonly colors?: boolean;
}

// eslint-disable-next-line no-control-regex
const ansiPattern = /\x1b\[[0-9;]*m/g;

/** Terminal columns a code point takes: 0 for combining marks, 2 for wide East Asian and emoji. */
function codePointWidth(cp: number): number {
  if ((cp >= 0x0300 && cp <= 0x036f) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff)
  ) {
    return 2;
  }
  return 1;
}

/** Display width of a string, ignoring ANSI escape sequences. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text.replace(ansiPattern, '')) width += codePointWidth(ch.codePointAt(0) ?? 0);
  return width;
}

function padTo(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** Splits a word into pieces of at most `width` columns. */
function breakWord(word: string, width: number): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const ch of word) {
    if (current !== '' && displayWidth(current + ch) > width) {
      pieces.push(current);
      current = '';
    }
    current += ch;
  }
  if (current !== '') pieces.push(current);
  return pieces;
}

/** Greedy word wrap of each line at `width` columns; words longer than a line are broken. */
export function wrapSoft(text: string, width: number): string {
  if (width <= 0) return text;
  return text
    .split('\n')
    .map((line) => {
      if (displayWidth(line) <= width) return line;
      const out: string[] = [];
      let current = '';
      for (const word of line.split(/ +/).filter((w) => w !== '')) {
        const candidate = current === '' ? word : `${current} ${word}`;
        if (displayWidth(candidate) <= width) {
          current = candidate;
          continue;
        }
        if (current !== '') out.push(current);
        if (displayWidth(word) <= width) {
          current = word;
        } else {
          const pieces = breakWord(word, width);
          current = pieces.pop() ?? '';
          // not push(...pieces): a word of millions of characters overflows the call's arguments
          for (const piece of pieces) out.push(piece);
        }
      }
      if (current !== '') out.push(current);
      return out.join('\n');
    })
    .join('\n');
}

function enforceWidth(text: string, column: Column<never>, wide: boolean): string {
  const max = column.maxWidth;
  if (wide || max === undefined || max <= 0) return text;
  const lines = text.split('\n');
  if (lines.every((line) => displayWidth(line) <= max)) return text;
  const overflow = column.overflow ?? 'wrap';
  if (typeof overflow === 'function') return overflow(text, max);
  switch (overflow) {
    case 'wrap':
      return wrapSoft(text, max);
    case 'wrap-hard':
      return lines.map((line) => breakWord(line, max).join('\n')).join('\n');
    case 'truncate':
      return lines.map((line) => breakWord(line, max)[0] ?? '').join('\n');
  }
}

const headerColor = '\x1b[92;100m';
const rowColors = ['\x1b[97;40m', '\x1b[37;40m'] as const;
const reset = '\x1b[0m';

/** Renders rows as an aligned table; empty string when there is nothing to print. */
export function renderTable<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  options: TableRenderOptions = {},
): string {
  const wide = options.wide ?? false;
  const grid: string[][] = [];
  if (!options.hideHeader) {
    grid.push(columns.map((c) => enforceWidth(c.name.toUpperCase(), c as Column<never>, wide)));
  }
  for (const row of rows) {
    grid.push(
      columns.map((c) =>
        enforceWidth(terminalSafe(c.value(row)).replaceAll('\t', '    '), c as Column<never>, wide),
      ),
    );
  }
  if (grid.length === 0 || columns.length === 0) return '';

  const widths = columns.map((column, i) =>
    Math.max(
      column.minWidth ?? 0,
      ...grid.map((cells) => Math.max(...(cells[i] ?? '').split('\n').map(displayWidth))),
    ),
  );

  const out: string[] = [];
  grid.forEach((cells, rowIndex) => {
    const isHeader = !options.hideHeader && rowIndex === 0;
    const dataIndex = options.hideHeader ? rowIndex : rowIndex - 1;
    const color = isHeader ? headerColor : rowColors[dataIndex % 2];
    const cellLines = cells.map((cell) => cell.split('\n'));
    const height = Math.max(...cellLines.map((lines) => lines.length));
    for (let line = 0; line < height; line++) {
      let text = '';
      columns.forEach((column, i) => {
        const cell = ` ${padTo(cellLines[i]?.[line] ?? '', widths[i] ?? 0, isHeader ? 'left' : (column.align ?? 'left'))} `;
        text += options.colors ? `${color}${cell}${reset}` : cell;
      });
      out.push(text);
    }
  });
  return `${out.join('\n')}\n`;
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Renders rows as CSV (RFC 4180 quoting); headers as named, values never wrapped. */
export function renderCsv<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  options: { hideHeader?: boolean } = {},
): string {
  const lines: string[] = [];
  if (!options.hideHeader) lines.push(columns.map((c) => csvField(c.name)).join(','));
  for (const row of rows) lines.push(columns.map((c) => csvField(c.value(row))).join(','));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
