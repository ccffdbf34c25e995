import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  addNonTabularOutputFlags,
  addOutputFlags,
  colorsEnabled,
  nonTabularOptions,
  outputOptions,
  printKeyValues,
  printList,
  printOne,
  renderList,
  type OutputOptions,
} from './output.js';
import { displayWidth, renderCsv, renderTable, wrapSoft, type Column } from './table.js';
import { parseSpecDocument } from '../../models/jobspec/parse.js';
import { toJson, toYaml } from './encode.js';

interface Job {
  id: string;
  name: string;
  state: string;
}

const jobs: Job[] = [
  { id: 'j-1', name: 'hello', state: 'Completed' },
  { id: 'j-22', name: 'a longer name, with comma', state: 'Running' },
];
const columns: Column<Job>[] = [
  { name: 'ID', value: (j) => j.id },
  { name: 'Name', value: (j) => j.name, maxWidth: 10 },
  { name: 'State', value: (j) => j.state },
];

const options = (o: Partial<OutputOptions> = {}): OutputOptions => ({
  format: 'table',
  pretty: false,
  hideHeader: false,
  noStyle: false,
  wide: false,
  ...o,
});

function sink(isTTY = false): { write(s: string): void; text(): string; isTTY: boolean } {
  let buffer = '';
  return { write: (s) => void (buffer += s), text: () => buffer, isTTY };
}

describe('table', () => {
  it('pads cells like go-pretty without borders, upper-cases headers and wraps long values', () => {
    expect(renderTable(columns, jobs).split('\n')).toEqual([
      ' ID    NAME        STATE     ',
      ' j-1   hello       Completed ',
      ' j-22  a longer    Running   ',
      '       name, with            ',
      '       comma                 ',
      '',
    ]);
  });

  it('--wide removes width limits, --hide-header drops the header', () => {
    expect(renderTable(columns, jobs, { wide: true, hideHeader: true })).toBe(
      ' j-1   hello                      Completed \n' + ' j-22  a longer name, with comma  Running   \n',
    );
  });

  it('truncates or hard-wraps when asked, and right-aligns', () => {
    const cols: Column<Job>[] = [
      { name: 'id', value: (j) => j.id, maxWidth: 3, overflow: 'truncate' },
      { name: 'n', value: (j) => j.name.slice(0, 5), maxWidth: 2, overflow: 'wrap-hard', align: 'right' },
    ];
    expect(renderTable(cols, [jobs[0] as Job])).toBe(' ID   N  \n j-1  he \n      ll \n       o \n');
  });

  it('colours header and alternating rows only when asked', () => {
    const out = renderTable(columns.slice(0, 1), jobs, { colors: true });
    expect(out).toBe(
      '\x1b[92;100m ID   \x1b[0m\n' + '\x1b[97;40m j-1  \x1b[0m\n' + '\x1b[37;40m j-22 \x1b[0m\n',
    );
  });

  it('prints nothing for no rows and no header', () => {
    expect(renderTable(columns, [], { hideHeader: true })).toBe('');
    expect(renderTable(columns, [])).toBe(' ID  NAME  STATE \n');
  });

  it('measures wide characters and ignores escapes', () => {
    expect(displayWidth('\x1b[1mab\x1b[0m')).toBe(2);
    expect(displayWidth('日本')).toBe(4);
    expect(wrapSoft('aaa bbb ccc', 7)).toBe('aaa bbb\nccc');
    expect(wrapSoft('abcdefghij', 4)).toBe('abcd\nefgh\nij');
  });

  it('breaks a word of millions of characters (a job named so) without running out of stack', () => {
    const wrapped = wrapSoft('n'.repeat(6_000_000), 40).split('\n');
    expect(wrapped.length).toBe(150_000);
    expect(wrapped.every((line) => line.length === 40)).toBe(true);
  });
});

describe('csv', () => {
  it('keeps header names, quotes fields with commas, quotes or newlines, never wraps', () => {
    const rows = [...jobs, { id: 'j-3', name: 'say "hi"\nbye', state: '' }];
    expect(renderCsv(columns, rows)).toBe(
      'ID,Name,State\nj-1,hello,Completed\nj-22,"a longer name, with comma",Running\nj-3,"say ""hi""\nbye",\n',
    );
    expect(renderCsv(columns, jobs.slice(0, 1), { hideHeader: true })).toBe('j-1,hello,Completed\n');
  });
});

describe('json and yaml', () => {
  it('prints the items array, compact or pretty, escaping like Go', () => {
    expect(renderList(columns, jobs.slice(0, 1), options({ format: 'json' }))).toBe(
      '[{"id":"j-1","name":"hello","state":"Completed"}]\n',
    );
    expect(renderList(columns, [], options({ format: 'json' }))).toBe('[]\n');
    expect(toJson({ a: ['<b>&'] }, true)).toBe('{\n  "a": [\n    "\\u003cb\\u003e\\u0026"\n  ]\n}\n');
  });

  it('prints yaml with sorted keys and unindented lists', () => {
    expect(renderList(columns, jobs.slice(0, 1), options({ format: 'yaml' }))).toBe(
      '- id: j-1\n  name: hello\n  state: Completed\n',
    );
    expect(toYaml({ b: { z: 1, a: [true, 'true', ''] } })).toBe(
      'b:\n  a:\n  - true\n  - "true"\n  - ""\n  z: 1\n',
    );
  });

  it('quotes a key << in yaml, which plain is a merge key, so that a printed spec reads back', () => {
    const job = { Labels: { '<<': 'x', a: '<<' } };
    const text = toYaml(job);
    expect(text).toBe('Labels:\n  "<<": x\n  a: "<<"\n');
    expect(parseSpecDocument(text)).toEqual(job);
  });

  it("quotes text as Go's yaml.v2 writer does: double where its reader would see another type, else single", () => {
    const texts = {
      bools: ['yes', 'Off', 'y', 'TRUE'],
      nulls: ['', '~', 'Null'],
      numbers: ['12', '-0x1F', '0o17', '0b101', '1_000', '08', '1.5e3', '.5', '.inf', '1:20'],
      times: ['2026-11-25', '2026-11-25T00:35:54.814Z', '2026-1-2 03:04:05'],
      single: ['********', '*x', '&a', '!x', '- a', 'a: b', ' lead', '@x', '%x'],
      plain: ['hello', 'x-y', '2026-13-01', 'y2', '+inf', 'a:b', 'no way'],
    };
    const text = toYaml(texts);
    const quoted = (list: string[], quote: string): string =>
      list.map((t) => `- ${quote}${t}${quote}\n`).join('');
    expect(text).toBe(
      `bools:\n${quoted(texts.bools, '"')}nulls:\n${quoted(texts.nulls, '"')}` +
        `numbers:\n${quoted(texts.numbers, '"')}plain:\n${quoted(texts.plain, '')}` +
        `single:\n${quoted(texts.single, "'")}times:\n${quoted(texts.times, '"')}`,
    );
    expect(parseSpecDocument(text)).toEqual(texts);
  });

  it('prints other data than the rows when given', () => {
    const out = sink();
    printList({ stdout: out, env: {} }, columns, jobs, options({ format: 'json' }), { Items: ['x'] });
    expect(out.text()).toBe('{"Items":["x"]}\n');
  });
});

describe('printers', () => {
  it('printOne prints a one-row table or the object', () => {
    const t = sink();
    printOne({ stdout: t, env: {} }, columns.slice(0, 1), jobs[0] as Job, options({ noStyle: true }));
    expect(t.text()).toBe(' ID  \n j-1 \n');
    const y = sink();
    printOne({ stdout: y, env: {} }, columns, jobs[0] as Job, options({ format: 'yaml' }));
    expect(y.text()).toBe('id: j-1\nname: hello\nstate: Completed\n');
  });

  it('colours only terminals, never with NO_COLOR or --no-style', () => {
    expect(colorsEnabled({ stdout: sink(false), env: {} })).toBe(false);
    expect(colorsEnabled({ stdout: sink(true), env: {} })).toBe(true);
    expect(colorsEnabled({ stdout: sink(true), env: { NO_COLOR: '1' } })).toBe(false);
    expect(colorsEnabled({ stdout: sink(false), env: { FORCE_COLOR: '1' } })).toBe(true);
    const tty = sink(true);
    printList({ stdout: tty, env: {} }, columns, jobs, options({ noStyle: true }));
    expect(tty.text()).not.toContain('\x1b[');
    const styled = sink(true);
    printList({ stdout: styled, env: {} }, columns, jobs, options());
    expect(styled.text()).toContain('\x1b[92;100m');
  });

  it('printKeyValues aligns keys and skips empty values', () => {
    const out = sink();
    printKeyValues({ stdout: out, env: {} }, [
      ['ID', 'j-1'],
      ['Name', ''],
      ['Namespace', 'default'],
      ['Count', 1],
    ]);
    expect(out.text()).toBe('ID        = j-1\nNamespace = default\nCount     = 1\n');
  });
});

describe('flags', () => {
  const parse = (cmd: Command, argv: string[]): Record<string, unknown> => {
    let seen: Record<string, unknown> = {};
    cmd.exitOverride().action((_o: unknown, c: Command) => {
      seen = c.opts();
    });
    cmd.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    cmd.parse(argv, { from: 'user' });
    return seen;
  };

  it('registers the tabular output flags with Bacalhau defaults', () => {
    expect(outputOptions(parse(addOutputFlags(new Command('x')), []))).toEqual(options());
    expect(
      outputOptions(
        parse(addOutputFlags(new Command('x')), [
          '--output',
          'csv',
          '--hide-header',
          '--no-style',
          '--wide',
          '--pretty',
        ]),
      ),
    ).toEqual({ format: 'csv', pretty: true, hideHeader: true, noStyle: true, wide: true });
    expect(
      outputOptions(parse(addOutputFlags(new Command('x'), { pretty: true }), ['--no-pretty'])).pretty,
    ).toBe(false);
  });

  it('rejects unknown formats with the allowed list', () => {
    let error = '';
    const cmd = addOutputFlags(new Command('x'))
      .exitOverride()
      .configureOutput({ writeErr: (s) => void (error += s) });
    expect(() => cmd.parse(['--output', 'xml'], { from: 'user' })).toThrow();
    expect(error).toContain('should be one of ["table" "csv" "json" "yaml"]');
  });

  it('registers non-tabular flags defaulting to yaml', () => {
    expect(nonTabularOptions(parse(addNonTabularOutputFlags(new Command('x')), []))).toEqual({
      format: 'yaml',
      pretty: false,
    });
    let error = '';
    const cmd = addNonTabularOutputFlags(new Command('x'))
      .exitOverride()
      .configureOutput({ writeErr: (s) => void (error += s) });
    expect(() => cmd.parse(['--output', 'table'], { from: 'user' })).toThrow();
    expect(error).toContain('should be one of ["json" "yaml"]');
  });
});
