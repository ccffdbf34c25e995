import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { writeFileAtomically } from './atomic-write.js';

/** `check` in a new folder of its own, removed afterwards. */
async function withTempDir(check: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-atomic-'));
  await check(dir).finally(() => rm(dir, { recursive: true, force: true }));
}

it('gives an existing file the mode asked for, and leaves nothing beside it', () =>
  withTempDir(async (dir) => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, '# mine\n');
    await chmod(path, 0o644);
    writeFileAtomically(path, 'token: secret\n', 0o600);
    expect(await readFile(path, 'utf8')).toBe('token: secret\n');
    expect((await lstat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['config.yaml']);
  }));

it('replaces a link in its place instead of writing through it', () =>
  withTempDir(async (dir) => {
    const [path, elsewhere] = [join(dir, 'tokens.json'), join(dir, 'elsewhere')];
    await writeFile(elsewhere, 'untouched');
    await symlink(elsewhere, path);
    writeFileAtomically(path, '{}', 0o600);
    expect(await readFile(elsewhere, 'utf8')).toBe('untouched');
    expect(await readFile(path, 'utf8')).toBe('{}');
  }));

it('leaves what was there, and no partial file, when the write fails', () =>
  withTempDir(async (dir) => {
    // a folder where the file goes: the rename fails, after the data was written aside
    const path = join(dir, 'config.yaml');
    await mkdir(path);
    await writeFile(join(path, 'kept'), 'x');
    expect(() => writeFileAtomically(path, 'token: secret\n', 0o600)).toThrow(/EISDIR/);
    expect(await readdir(dir)).toEqual(['config.yaml']);
    expect(await readdir(path)).toEqual(['kept']);
  }));
