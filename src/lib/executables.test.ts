import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findExecutable } from './executables.js';

const root = mkdtempSync(join(tmpdir(), 'bacalhau-executables-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dirWith(name: string, entries: Record<string, 'exec' | 'plain' | 'dir'>): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [entry, kind] of Object.entries(entries)) {
    if (kind === 'dir') mkdirSync(join(dir, entry), { mode: 0o755 });
    else {
      writeFileSync(join(dir, entry), '#!/bin/sh\n');
      chmodSync(join(dir, entry), kind === 'exec' ? 0o755 : 0o644);
    }
  }
  return dir;
}

describe('findExecutable', () => {
  const first = dirWith('first', { tool: 'plain', sub: 'dir' });
  const second = dirWith('second', { tool: 'exec', sub: 'exec' });
  const extra = dirWith('extra', { other: 'exec' });

  it('takes the first executable regular file on the search path, as exec.LookPath does', () => {
    expect(findExecutable('tool', { searchPath: `${first}:${second}` })).toBe(join(second, 'tool'));
    expect(findExecutable('sub', { searchPath: `${first}:${second}` })).toBe(join(second, 'sub'));
    expect(findExecutable('missing', { searchPath: `${first}:${second}` })).toBeUndefined();
  });

  it('skips relative and empty entries, and entries that are files', () => {
    expect(findExecutable('tool', { searchPath: `:relative:${join(second, 'tool')}` })).toBeUndefined();
  });

  it('looks in the extra directories after the search path', () => {
    expect(findExecutable('other', { searchPath: first, extraDirs: [extra] })).toBe(join(extra, 'other'));
  });
});
