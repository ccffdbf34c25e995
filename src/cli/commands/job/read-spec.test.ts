import { describe, expect, it } from 'vitest';
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
