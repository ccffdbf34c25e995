import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ustarArchive } from './tar-writer.js';

describe('ustarArchive', () => {
  it('writes archives that tar(1) unpacks: names, contents, modes, times, directories', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tar-writer-'));
    try {
      const big = Buffer.alloc(1300, 7);
      writeFileSync(
        join(dir, 'a.tar'),
        ustarArchive([
          { name: 'sub/', type: '5', mode: 0o755 },
          { name: 'sub/big.bin', content: big, mode: 0o600, mtime: new Date('2024-05-06T07:08:09Z') },
          { name: 'hello.txt', content: 'hello\n' },
        ]),
      );
      execFileSync('tar', ['-xf', 'a.tar'], { cwd: dir });
      expect(readFileSync(join(dir, 'sub/big.bin')).equals(big)).toBe(true);
      expect(statSync(join(dir, 'sub/big.bin')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'sub/big.bin')).mtime.toISOString()).toBe('2024-05-06T07:08:09.000Z');
      expect(readFileSync(join(dir, 'hello.txt'), 'utf8')).toBe('hello\n');
      expect(statSync(join(dir, 'hello.txt')).mode & 0o777).toBe(0o644);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pads data to 512-byte blocks and ends with two zero blocks', () => {
    expect(ustarArchive([{ name: 'x', content: 'abc' }]).length).toBe(512 + 512 + 1024);
    expect(ustarArchive([]).length).toBe(1024);
  });
});
