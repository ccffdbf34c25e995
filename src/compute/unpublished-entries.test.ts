import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unpublishableEntries, unpublishedNote } from './unpublished-entries.js';

describe('unpublishableEntries', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'unpublished-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds links, FIFOs and the like in the output folders, never following a link', async () => {
    await mkdir(join(dir, 'outputs/deep'), { recursive: true });
    await writeFile(join(dir, 'outputs/data.csv'), 'a,b\n');
    await symlink('data.csv', join(dir, 'outputs/latest.csv'));
    await symlink(dir, join(dir, 'outputs/deep/loop'));
    execFileSync('mkfifo', [join(dir, 'outputs/deep/pipe')]);
    // outside the outputs: not looked at (stdout and the like are the node's own files)
    await symlink('/etc/passwd', join(dir, 'stray'));

    expect(await unpublishableEntries(dir, ['outputs', 'missing'])).toEqual([
      'outputs/latest.csv (symbolic link)',
      'outputs/deep/loop (symbolic link)',
      'outputs/deep/pipe (FIFO)',
    ]);
  });

  it('finds nothing in outputs of files and folders only', async () => {
    await mkdir(join(dir, 'a/b'), { recursive: true });
    await writeFile(join(dir, 'a/b/c'), 'c');
    expect(await unpublishableEntries(dir, ['a'])).toEqual([]);
  });
});

describe('unpublishedNote', () => {
  it('names up to five entries and counts the rest', () => {
    expect(unpublishedNote(['o/l (symbolic link)'])).toBe(
      'Left out of the published results: 1 entry that is neither a file nor a folder: o/l (symbolic link)',
    );
    const many = Array.from({ length: 7 }, (_, i) => `o/${i} (FIFO)`);
    expect(unpublishedNote(many)).toBe(
      'Left out of the published results: 7 entries that are neither a file nor a folder: ' +
        'o/0 (FIFO), o/1 (FIFO), o/2 (FIFO), o/3 (FIFO), o/4 (FIFO) and 2 more',
    );
  });
});
