import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tarDirectory, ustarArchive } from './tar-writer.js';

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

describe('tarDirectory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tar-directory-'));
    await mkdir(join(dir, 'src'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const src = (...parts: string[]): string => join(dir, 'src', ...parts);

  /** Archives `src/` into `a.tar`, lists it with tar(1) and unpacks it into `out/`. */
  async function roundTrip(): Promise<string[]> {
    await pipeline(tarDirectory(src()), createWriteStream(join(dir, 'a.tar')));
    await mkdir(join(dir, 'out'));
    execFileSync('tar', ['-xf', 'a.tar', '-C', 'out'], { cwd: dir });
    return execFileSync('tar', ['-tf', 'a.tar'], { cwd: dir, encoding: 'utf8' }).split('\n').slice(0, -1);
  }

  it('writes the root as ".", then depth-first in byte order, directories without a slash', async () => {
    await mkdir(src('b', 'inner'), { recursive: true });
    await mkdir(src('empty'));
    await writeFile(src('b', 'inner', 'x'), 'x');
    await writeFile(src('a'), '');
    await writeFile(src('B'), 'upper');
    const names = await roundTrip();
    expect(names).toEqual(['.', 'B', 'a', 'b', 'b/inner', 'b/inner/x', 'empty']);
    const raw = await readFile(join(dir, 'a.tar'));
    expect(raw.subarray(0, 2).toString('latin1')).toBe('.\0');
    expect(raw[156]).toBe('5'.charCodeAt(0));
  });

  it('keeps contents, permission bits and times; unpacks identically', async () => {
    const binary = Buffer.from(Array.from({ length: 256 * 40 + 7 }, (_, i) => (i * 31) % 256));
    await mkdir(src('bin'), { mode: 0o750 });
    await writeFile(src('bin', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(src('bin', 'data.bin'), binary, { mode: 0o600 });
    await writeFile(src('empty-file'), '');
    const when = new Date('2024-05-06T07:08:09.600Z');
    await utimes(src('bin', 'data.bin'), when, when);
    await roundTrip();
    const out = (...parts: string[]): string => join(dir, 'out', ...parts);
    expect((await readFile(out('bin', 'data.bin'))).equals(binary)).toBe(true);
    expect((await readFile(out('empty-file'))).length).toBe(0);
    expect((await stat(out('bin'))).mode & 0o777).toBe(0o750);
    expect((await stat(out('bin', 'run.sh'))).mode & 0o777).toBe(0o755);
    expect((await stat(out('bin', 'data.bin'))).mode & 0o777).toBe(0o600);
    // rounded to the nearest second, as Go's writer does
    expect((await stat(out('bin', 'data.bin'))).mtime.toISOString()).toBe('2024-05-06T07:08:10.000Z');
  });

  it('stores long and non-ASCII names exactly (ustar prefix, then PAX)', async () => {
    const segment = 'd'.repeat(60);
    const deep = [segment, segment, segment, segment, segment];
    await mkdir(src(...deep), { recursive: true });
    const names = [
      join(...deep.slice(0, 2), 'f'.repeat(90)), // 212 bytes: fits the ustar prefix split
      join(...deep, 'g'.repeat(200)), // 505 bytes: PAX path
      'é-ünïcødé ✓.txt', // PAX path, short
      ...[88, 89, 90, 91, 92, 93, 94, 95, 96].map((n) => join(segment, 'h'.repeat(n))), // record lengths 99/100
    ];
    for (const name of names) await writeFile(src(name), name);
    const listed = await roundTrip();
    for (const name of names) {
      expect(listed).toContain(name);
      expect(await readFile(join(dir, 'out', name), 'utf8')).toBe(name);
    }
  });

  it('stores names that are not UTF-8 as their raw bytes, in a PAX path record as Go does', async () => {
    const bytes = (...parts: (string | Buffer)[]): Buffer =>
      Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
    await mkdir(src('d'));
    const short = bytes('d/x', Buffer.from([0xff]));
    const long = bytes('d/', 'l'.repeat(120), Buffer.from([0xfe, 0x80]));
    writeFileSync(bytes(src(), '/', short), 'short');
    writeFileSync(bytes(src(), '/', long), 'long');
    await pipeline(tarDirectory(src()), createWriteStream(join(dir, 'a.tar')));
    const raw = await readFile(join(dir, 'a.tar'));
    expect(raw.includes(bytes('path=', short, '\n'))).toBe(true);
    expect(raw.includes(bytes('path=', long, '\n'))).toBe(true);
    const listed = execFileSync('tar', ['--quoting-style=literal', '-tf', 'a.tar'], { cwd: dir });
    expect(listed.equals(bytes('.\nd\n', long, '\n', short, '\n'))).toBe(true);
    await mkdir(join(dir, 'out'));
    execFileSync('tar', ['-xf', 'a.tar', '-C', 'out'], { cwd: dir });
    expect(readFileSync(bytes(dir, '/out/', short), 'utf8')).toBe('short');
    expect(readFileSync(bytes(dir, '/out/', long), 'utf8')).toBe('long');
  });

  it('leaves out symbolic links and FIFOs and never follows them', async () => {
    await writeFile(join(dir, 'secret'), 'outside');
    await writeFile(src('kept'), 'kept');
    await symlink(join(dir, 'secret'), src('out-link'));
    await symlink('kept', src('in-link'));
    await symlink(dir, src('dir-link'));
    execFileSync('mkfifo', [src('fifo')]);
    expect(await roundTrip()).toEqual(['.', 'kept']);
  });

  it('streams large files in bounded chunks', async () => {
    const size = 3 * 1024 * 1024 + 5;
    await writeFile(src('big'), Buffer.alloc(size, 1));
    let largest = 0;
    let total = 0;
    for await (const chunk of tarDirectory(src())) {
      largest = Math.max(largest, chunk.length);
      total += chunk.length;
    }
    expect(largest).toBeLessThanOrEqual(256 * 1024);
    expect(total).toBe(512 + 512 + Math.ceil(size / 512) * 512 + 1024);
  });

  it('closes the file it reads when the reader stops early', async () => {
    await writeFile(src('big'), Buffer.alloc(2 * 1024 * 1024));
    const before = (await readdir('/proc/self/fd')).length;
    const archive = tarDirectory(src());
    for (let i = 0; i < 3; i++) await archive.next(); // `.`, the file's header, its first chunk
    expect((await readdir('/proc/self/fd')).length).toBe(before + 1);
    await archive.return(undefined);
    expect((await readdir('/proc/self/fd')).length).toBe(before);
  });

  it('refuses a root that is not a directory', async () => {
    await writeFile(src('file'), 'x');
    await expect(tarDirectory(src('file')).next()).rejects.toThrow('is not a directory');
  });
});
