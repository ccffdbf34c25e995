import {
  closeSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  hardLink,
  makeFolder,
  makeTempFolder,
  openEmptied,
  QuickBytes,
  QuickHeadBytes,
  readSmallFile,
  statPath,
  takeSpareFolder,
  writeAt,
  writeIntoSpareFile,
  writeNewFile,
  writeSmallFile,
} from './quick-fs.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bacalhau-quick-fs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('quick-fs', () => {
  it('makes folders as mkdir -p does, telling the first one it created', async () => {
    expect(await makeFolder(join(dir, 'a', 'b'))).toBe(join(dir, 'a'));
    expect(await makeFolder(join(dir, 'a', 'b'))).toBeUndefined();
    expect(statSync(join(dir, 'a', 'b')).isDirectory()).toBe(true);
    expect(await makeTempFolder(join(dir, 'entry-'))).toMatch(/\/entry-[A-Za-z0-9]{6}$/);
  });

  it("fails where a parent exists but takes no new folders (/proc), where Node's recursive mkdir spins", async () => {
    await expect(makeFolder('/proc/bacalhau-test/data')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes small and large files alike, with their mode', async () => {
    const small = Buffer.from('small');
    const large = Buffer.alloc(QuickBytes + 1, 7);
    await writeSmallFile(join(dir, 'small'), small, { mode: 0o600 });
    await writeSmallFile(join(dir, 'large'), large);
    expect(readFileSync(join(dir, 'small'))).toEqual(small);
    expect(statSync(join(dir, 'small')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'large'))).toEqual(large);
  });

  it('writes new files under fresh names, small and large, and never over an existing one', async () => {
    const large = Buffer.alloc(QuickBytes + 1, 7);
    const first = await writeNewFile(join(dir, 'in-'), Buffer.from('one'));
    const second = await writeNewFile(join(dir, 'in-'), large, { mode: 0o600 });
    expect(first).toMatch(/\/in-[0-9a-f]{8}$/);
    expect(second).not.toBe(first);
    expect(readFileSync(first, 'utf8')).toBe('one');
    expect(readFileSync(second)).toEqual(large);
    expect(statSync(second).mode & 0o777).toBe(0o600);
    writeFileSync(join(dir, 'kept'), 'mine');
    await expect(
      writeSmallFile(join(dir, 'kept'), Buffer.from('x'), { exclusive: true }),
    ).rejects.toMatchObject({
      code: 'EEXIST',
    });
    expect(readFileSync(join(dir, 'kept'), 'utf8')).toBe('mine');
    await expect(writeNewFile(join(dir, 'missing', 'in-'), Buffer.from('x'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('reads small and large files alike, states paths and links files', async () => {
    const large = Buffer.alloc(QuickBytes + 1, 3);
    writeFileSync(join(dir, 'small'), 'small');
    writeFileSync(join(dir, 'large'), large);
    expect((await readSmallFile(join(dir, 'small'))).toString()).toBe('small');
    expect(await readSmallFile(join(dir, 'large'))).toEqual(large);
    expect((await statPath(join(dir, 'small')))?.size).toBe(5);
    expect(await statPath(join(dir, 'missing'))).toBeUndefined();
    await hardLink(join(dir, 'small'), join(dir, 'linked'));
    expect(statSync(join(dir, 'linked')).ino).toBe(statSync(join(dir, 'small')).ino);
    await expect(readSmallFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes buffers at a position of an open file, at once or (past the head) through the pool', async () => {
    const path = join(dir, 'positioned');
    const fd = openSync(path, 'w');
    try {
      await writeAt(fd, [Buffer.from('ab'), Buffer.from('cd')], 0);
      const tail = Buffer.alloc(1000, 9);
      await writeAt(fd, [Buffer.from('ef'), tail], QuickHeadBytes - 1);
      await writeAt(fd, [Buffer.from('xy')], 2);
    } finally {
      closeSync(fd);
    }
    const content = readFileSync(path);
    expect(content.subarray(0, 4).toString()).toBe('abxy');
    expect(content.subarray(QuickHeadBytes - 1, QuickHeadBytes + 1).toString()).toBe('ef');
    expect(content.length).toBe(QuickHeadBytes + 1 + 1000);
    const readOnly = openSync(path, 'r');
    try {
      await expect(writeAt(readOnly, [Buffer.from('no')], 0)).rejects.toMatchObject({ code: 'EBADF' });
    } finally {
      closeSync(readOnly);
    }
  });

  it('writes more buffers than one system call takes (IOV_MAX is 1024), empty ones among them', async () => {
    const path = join(dir, 'vectored');
    const fd = openSync(path, 'w');
    // 3,000 pieces of 1,000 bytes: past the head, through the thread pool; then 1,100 small ones within it
    const pieces = Array.from({ length: 3000 }, (_, i) => Buffer.alloc(1000, i % 251));
    try {
      await writeAt(
        fd,
        pieces.flatMap((p) => [Buffer.alloc(0), p]),
        0,
      );
      await writeAt(fd, [Buffer.alloc(0)], 0);
    } finally {
      closeSync(fd);
    }
    // Buffer.equals: toEqual compares 3 MB element by element for seconds
    expect(readFileSync(path).equals(Buffer.concat(pieces))).toBe(true);
    const small = pieces.slice(0, 1100).map((p) => p.subarray(0, 100));
    const headPath = join(dir, 'vectored-head');
    const headFd = openSync(headPath, 'w');
    try {
      await writeAt(headFd, small, 0);
    } finally {
      closeSync(headFd);
    }
    expect(readFileSync(headPath).equals(Buffer.concat(small))).toBe(true);
    const readOnly = openSync(path, 'r');
    try {
      // past the head: the thread pool's error
      await expect(writeAt(readOnly, pieces, 0)).rejects.toMatchObject({ code: 'EBADF' });
    } finally {
      closeSync(readOnly);
    }
  });

  it('opens a file for writing empty: created, emptied, or (already empty) left untruncated', () => {
    const created = openEmptied(join(dir, 'new'));
    writeSync(created, 'out');
    closeSync(created);
    expect(readFileSync(join(dir, 'new'), 'utf8')).toBe('out');
    const emptied = openEmptied(join(dir, 'new'));
    expect(fstatSync(emptied).size).toBe(0);
    closeSync(emptied);
    // an open that truncates stamps the file now (and has ext4 flush it when closed); this one does not
    const long = new Date('2020-01-01T00:00:00Z');
    utimesSync(join(dir, 'new'), long, long);
    closeSync(openEmptied(join(dir, 'new')));
    expect(statSync(join(dir, 'new')).mtimeMs).toBe(long.getTime());
    expect(() => openEmptied(join(dir, 'missing', 'file'))).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
  });

  it('writes into a spare file and moves it into place, emptied first; without a spare, does nothing', () => {
    const spare = join(dir, 'spare');
    // what a write whose rename a killed process never made leaves
    writeFileSync(spare, '137');
    expect(writeIntoSpareFile(spare, join(dir, 'exitCode'), '0')).toBe(true);
    expect(readFileSync(join(dir, 'exitCode'), 'utf8')).toBe('0');
    expect(writeIntoSpareFile(spare, join(dir, 'other'), '1')).toBe(false);
    expect(readdirSync(dir)).toEqual(['exitCode']);
  });

  it('moves a spare folder into place: where nothing is, or over an empty folder, never over content', () => {
    const spare = (): string => {
      mkdirSync(join(dir, 'spare'));
      return join(dir, 'spare');
    };
    expect(takeSpareFolder(spare(), join(dir, 'taken'))).toBe(true);
    expect(takeSpareFolder(spare(), join(dir, 'taken'))).toBe(true);
    writeFileSync(join(dir, 'taken', 'file'), 'kept');
    mkdirSync(join(dir, 'spare'));
    expect(takeSpareFolder(join(dir, 'spare'), join(dir, 'taken'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['spare', 'taken']);
    expect(readFileSync(join(dir, 'taken', 'file'), 'utf8')).toBe('kept');
    expect(takeSpareFolder(join(dir, 'gone'), join(dir, 'other'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['spare', 'taken']);
  });

  it('reports failures and aborts as rejections, never as throws', async () => {
    writeFileSync(join(dir, 'file'), '');
    const folder = makeFolder(join(dir, 'file', 'sub'));
    await expect(folder).rejects.toMatchObject({ code: 'ENOTDIR' });
    const aborted = writeSmallFile(join(dir, 'x'), Buffer.from('x'), { signal: AbortSignal.abort() });
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    await expect(writeSmallFile(join(dir, 'missing', 'x'), Buffer.from('x'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
