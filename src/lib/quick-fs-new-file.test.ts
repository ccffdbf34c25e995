import type * as Crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { writeNewFile } from './quick-fs.js';

// the names writeNewFile draws, in order: the first is one taken already
const drawn = vi.hoisted(() => ['0a0a0a0a', '0b0b0b0b']);
vi.mock('node:crypto', async (actual) => ({
  ...(await actual<typeof Crypto>()),
  randomBytes: () => Buffer.from(drawn.shift() ?? '0c0c0c0c', 'hex'),
}));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-quick-fs-new-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('never moves a spare over a file that took the name it drew first', async () => {
  writeFileSync(join(dir, 'in-0a0a0a0a'), 'mine');
  writeFileSync(join(dir, 'spare'), '');
  const path = await writeNewFile(join(dir, 'in-'), Buffer.from('new'), { spare: join(dir, 'spare') });
  expect(path).toBe(join(dir, 'in-0b0b0b0b'));
  expect(readFileSync(path, 'utf8')).toBe('new');
  expect(readFileSync(join(dir, 'in-0a0a0a0a'), 'utf8')).toBe('mine');
});
