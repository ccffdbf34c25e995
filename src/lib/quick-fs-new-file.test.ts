import type * as Crypto from 'node:crypto';
import type * as Fs from 'node:fs';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { writeNewFile } from './quick-fs.js';

// the names writeNewFile draws, in order: a test may take the first one beforehand
const drawn = vi.hoisted(() => ({ names: [] as string[] }));
vi.mock('node:crypto', async (actual) => ({
  ...(await actual<typeof Crypto>()),
  randomBytes: () => Buffer.from(drawn.names.shift() ?? '0c0c0c0c', 'hex'),
}));
// a file system without hard links, when a test says so
const noLinks = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs', async (actual) => {
  const fs = await actual<typeof Fs>();
  const linkSync: typeof fs.linkSync = (existing, path) => {
    if (noLinks.on) throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    fs.linkSync(existing, path);
  };
  return { ...fs, default: { ...fs, linkSync }, linkSync };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-quick-fs-new-'));
  drawn.names = ['0a0a0a0a', '0b0b0b0b'];
  noLinks.on = false;
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

it('writes the file itself where no hard link can be made to move its spare', async () => {
  noLinks.on = true;
  writeFileSync(join(dir, 'spare'), '');
  const path = await writeNewFile(join(dir, 'in-'), Buffer.from('new'), { spare: join(dir, 'spare') });
  expect(readFileSync(path, 'utf8')).toBe('new');
  expect(existsSync(join(dir, 'in-0a0a0a0a'))).toBe(false);
});
