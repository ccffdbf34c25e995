import { lstat, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ustarArchive, type UstarEntry } from '../../lib/tar-writer.js';
import { ErrorCode } from '../../models/bacerrors.js';
import { archiveSuffixOf, unpackArchive } from './archive.js';
import { resultArchive, treeOf } from './testing.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'download-archive-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function archiveFile(name: string, content: Buffer): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

const unpackEntries = async (entries: UstarEntry[]): Promise<string> =>
  unpackArchive(await archiveFile('e.tar.gz', gzipSync(ustarArchive(entries))));

describe('archiveSuffixOf', () => {
  it('knows .tar.gz and .tgz', () => {
    expect(['a.tar.gz', 'a.tgz', 'a.gz', 'a.tar'].map(archiveSuffixOf)).toEqual([
      '.tar.gz',
      '.tgz',
      undefined,
      undefined,
    ]);
  });
});

describe('unpackArchive', () => {
  it('unpacks next to the archive, without the suffix, keeping file modes', async () => {
    const file = await archiveFile(
      'h_e-1.tgz',
      gzipSync(
        ustarArchive([
          { name: 'stdout', content: 'out\n' },
          { name: 'outputs/', type: '5' },
          { name: 'outputs/run.sh', content: 'echo', mode: 0o755 },
          { name: 'deep/er/file', content: 'x' },
        ]),
      ),
    );
    expect(await unpackArchive(file)).toBe(join(dir, 'h_e-1'));
    expect(await treeOf(join(dir, 'h_e-1'))).toEqual({
      'deep/': '',
      'deep/er/': '',
      'deep/er/file': 'x',
      'outputs/': '',
      'outputs/run.sh': 'echo',
      stdout: 'out\n',
    });
    expect((await stat(join(dir, 'h_e-1/outputs/run.sh'))).mode & 0o777).toBe(0o755);
    expect((await readdir(dir)).sort()).toEqual(['h_e-1', 'h_e-1.tgz']);
  });

  it('replaces an earlier unpacking of the same archive', async () => {
    await mkdir(join(dir, 'e'));
    await writeFile(join(dir, 'e/stale'), 'old');
    const file = await archiveFile('e.tar.gz', resultArchive({ fresh: 'new' }));
    expect(await treeOf(await unpackArchive(file))).toEqual({ fresh: 'new' });
  });

  it('never writes through links or outside the folder', async () => {
    const unpacked = await unpackEntries([
      { name: 'escape', type: '2', linkName: dir },
      { name: 'escape/planted', content: 'x' },
      { name: 'hard', type: '1', linkName: '/etc/passwd' },
    ]);
    expect(await treeOf(unpacked)).toEqual({ 'escape/': '', 'escape/planted': 'x' });
    expect((await lstat(join(unpacked, 'escape'))).isDirectory()).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['e', 'e.tar.gz']);
  });

  it.each([
    [
      'a parent path',
      [{ name: '../../evil', content: 'x' }],
      'the archive entry "../../evil" points outside',
    ],
    [
      'an absolute path',
      [{ name: '/tmp/evil', content: 'x' }],
      'the archive entry "/tmp/evil" is not a relative',
    ],
  ])('refuses %s and leaves nothing behind', async (_name, entries, message) => {
    await expect(unpackEntries(entries)).rejects.toMatchObject({
      code: ErrorCode.BadRequest,
      message: expect.stringContaining(`e.tar.gz is not a valid tar.gz archive: ${message}`) as unknown,
    });
    expect(await readdir(dir)).toEqual(['e.tar.gz']);
  });

  it.each([
    ['not gzip', Buffer.from('<html>not found</html>'), 'incorrect header check'],
    ['cut short', resultArchive({ stdout: 'x'.repeat(5000) }).subarray(0, 60), 'unexpected end of file'],
    ['gzip but not tar', gzipSync(Buffer.alloc(1024, 'a')), 'it is not a tar archive'],
  ])('says an archive that is %s is not valid', async (_name, content, reason) => {
    const file = await archiveFile('h_e-2.tar.gz', content);
    await expect(unpackArchive(file)).rejects.toThrow(
      `h_e-2.tar.gz is not a valid tar.gz archive: ${reason}`,
    );
    expect(await readdir(dir)).toEqual(['h_e-2.tar.gz']);
  });

  it('stops when the signal fires', async () => {
    const file = await archiveFile('e.tar.gz', resultArchive({ a: 'a', b: 'b' }));
    const signal = AbortSignal.abort(new Error('interrupted'));
    await expect(unpackArchive(file, { signal })).rejects.toThrow('interrupted');
    expect(await readdir(dir)).toEqual(['e.tar.gz']);
  });
});
