import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BacalhauError } from '../../../models/bacerrors.js';
import type { CliContext } from '../../context.js';
import { readJobSpec } from './read-spec.js';

const spec = 'Type: batch\n';

/** A context whose standard input sends `spec`, from a terminal or not; what it writes to stderr. */
function context(terminal: boolean): { ctx: CliContext; stderr: () => string } {
  let written = '';
  const stdin = terminal
    ? Object.assign([spec], { isTTY: true as const, setRawMode: () => undefined })
    : [spec];
  const sink = { write: (text: string) => void (written += text) };
  const ctx: CliContext = { stdin, stdout: sink, stderr: sink, env: {}, cwd: '/', binName: 'bacalhau' };
  return { ctx, stderr: () => written };
}

describe('readJobSpec from standard input', () => {
  it("says, at a terminal, that it waits for the spec and how to end it (Go's words)", async () => {
    const { ctx, stderr } = context(true);
    expect(await readJobSpec('-', ctx)).toBe(spec);
    expect(stderr()).toBe('Reading from /dev/stdin; send Ctrl-d to stop.\n');
  });

  it('reads piped input quietly', async () => {
    const { ctx, stderr } = context(false);
    expect(await readJobSpec('-', ctx)).toBe(spec);
    expect(stderr()).toBe('');
  });
});

describe('readJobSpec encodings', () => {
  it('refuses a spec that is not UTF-8, naming the file and where, and reads UTF-16 with a BOM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bacalhau-spec-'));
    try {
      const { ctx } = context(false);
      const latin1 = join(dir, 'latin1.yaml');
      writeFileSync(
        latin1,
        Buffer.concat([Buffer.from('Type: batch\nName: caf'), Buffer.from([0xe9, 0x0a])]),
      );
      const err = await readJobSpec(latin1, ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BacalhauError);
      expect((err as BacalhauError).message).toBe(`${latin1}: line 2, column 10: invalid UTF-8 (byte 0xe9)`);
      expect((err as BacalhauError).hint).toBe('convert it to UTF-8, e.g. with iconv -t UTF-8');
      const utf16 = join(dir, 'utf16.yaml');
      writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(spec, 'utf16le')]));
      expect(await readJobSpec(utf16, ctx)).toBe(spec);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names standard input when what is piped is not text', async () => {
    const { ctx } = context(false);
    const err = await readJobSpec('-', { ...ctx, stdin: [Buffer.from([0x54, 0xff])] }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toBe('standard input: line 1, column 2: invalid UTF-8 (byte 0xff)');
  });
});

it('refuses an empty file name instead of reading the working directory', async () => {
  const err = await readJobSpec('', context(false).ctx).catch((e: unknown) => e);
  expect((err as Error).message).toBe(
    'the job spec file name is empty: give a file, or - for standard input',
  );
});
