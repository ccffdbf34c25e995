import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FileInputFolders, releasedFoldersRemoved } from './file-inputs.js';

let dir: string;
/** tmpfs: no hard link from there into `dir`, so inputs from it are copied in. */
let otherDisk: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bacalhau-ts-file-inputs-'));
  otherDisk = await mkdtemp('/dev/shm/bacalhau-ts-file-inputs-');
  expect((await stat(otherDisk)).dev).not.toBe((await stat(dir)).dev);
});

afterEach(async () => {
  await Promise.all([dir, otherDisk].map((d) => rm(d, { recursive: true, force: true })));
});

/** A writable input on the other disk, copied into a new input folder: the input and its copy. */
async function copiedInput(folders: FileInputFolders): Promise<{ source: string; copy: string }> {
  const source = join(otherDisk, 'input.txt');
  await writeFile(source, 'user data\n');
  const folder = await folders.add([[{ source, target: '/in/input.txt', readOnly: false }, 'input.txt']]);
  return { source, copy: join(folder, 'input.txt') };
}

it("writes a copied input's new content back to the input, but not the mode the task left on the copy", async () => {
  const folders = new FileInputFolders(dir);
  const { source, copy } = await copiedInput(folders);
  const mode = (await stat(source)).mode;
  await writeFile(copy, 'changed by the task\n');
  await chmod(copy, 0o777);
  expect(await folders.release()).toBeUndefined();
  expect(await readFile(source, 'utf8')).toBe('changed by the task\n');
  expect((await stat(source)).mode).toBe(mode);
});

it('never writes back what a link the task put in place of its copy leads to', async () => {
  const secret = join(dir, 'secret.txt');
  await writeFile(secret, 'host secret\n');
  const folders = new FileInputFolders(dir);
  const { source, copy } = await copiedInput(folders);
  // what a task can do through WASI: path checks cover where a link is made, not its target text
  await unlink(copy);
  await symlink(secret, copy);
  expect(await folders.release()).toBe(
    `the task's changes to input /in/input.txt could not be written to ${source}: the task replaced it with a link`,
  );
  expect(await readFile(source, 'utf8')).toBe('user data\n');
});

it('writes back only to the file it copied: not through a link, nor to another file, put in its place since', async () => {
  const secret = join(dir, 'secret.txt');
  await writeFile(secret, 'host secret\n');
  for (const [replace, why] of [
    (source: string) => symlink(secret, source),
    (source: string) => writeFile(source, 'a newer file\n'),
  ].map((r, i) => [r, ['it was replaced with a link', 'it was replaced meanwhile'][i]!] as const)) {
    const folders = new FileInputFolders(dir);
    const { source, copy } = await copiedInput(folders);
    await writeFile(copy, 'changed by the task\n');
    // another task that may write beside the input
    await unlink(source);
    await replace(source);
    expect(await folders.release()).toBe(
      `the task's changes to input /in/input.txt could not be written to ${source}: ${why}`,
    );
    expect(await readFile(source, 'utf8')).not.toBe('changed by the task\n');
    await unlink(source);
  }
  expect(await readFile(secret, 'utf8')).toBe('host secret\n');
});

it("makes a run's folder again only once the same folder released before is removed", async () => {
  // the same execution run again in this process while the folder of its last run waits for removal
  const source = join(dir, 'module.wasm');
  await writeFile(source, 'module\n');
  const input = [[{ source, target: '/app/module.wasm', readOnly: true }, 'module.wasm']] as const;
  const first = new FileInputFolders(dir);
  await first.add(input);
  await first.release();
  const second = new FileInputFolders(dir);
  const folder = await second.add(input);
  await releasedFoldersRemoved();
  expect(await readdir(folder)).toEqual(['module.wasm']);
  await second.release();
});

it('takes a local input only from its checked path: a folder on its way swapped for a link is refused', async () => {
  const [shared, elsewhere] = [join(otherDisk, 'shared'), join(otherDisk, 'elsewhere')];
  await mkdir(join(shared, 'in'), { recursive: true });
  await mkdir(elsewhere);
  await writeFile(join(shared, 'in', 'x.txt'), 'the input\n');
  await writeFile(join(elsewhere, 'x.txt'), 'host secret\n');
  const source = join(shared, 'in', 'x.txt');
  // checked as this real path, then swapped by a task that may write to `shared`
  await rename(join(shared, 'in'), join(shared, 'old'));
  await symlink(elsewhere, join(shared, 'in'));
  const folders = new FileInputFolders(dir);
  for (const readOnly of [true, false]) {
    await expect(
      folders.add([[{ source, target: '/in/x.txt', readOnly }, 'x.txt']], { copyReadOnly: true }),
    ).rejects.toThrow(`input source ${JSON.stringify(source)} now leads to`);
  }
  await folders.release();
});

it('never copies one input over another that took its name first', async () => {
  const [first, second] = [join(dir, 'first.txt'), join(otherDisk, 'second.txt')];
  await writeFile(first, 'operator data\n');
  await writeFile(second, 'submitted data\n');
  const folders = new FileInputFolders(dir);
  await expect(
    folders.add([
      [{ source: first, target: '/data/x.txt', readOnly: true }, 'x.txt'],
      [{ source: second, target: '/data/x.txt', readOnly: true }, 'x.txt'],
    ]),
  ).rejects.toMatchObject({ code: 'EEXIST' });
  await folders.release();
  expect(await readFile(first, 'utf8')).toBe('operator data\n');
});

it('replaces a wasm-file-inputs-0 folder left by a run killed in a crash (a daemon run again)', async () => {
  const source = join(dir, 'module.wasm');
  await writeFile(source, 'this run\n');
  const leftover = join(dir, 'wasm-file-inputs-0');
  await mkdir(leftover);
  await writeFile(join(leftover, 'module.wasm'), 'the killed run\n');
  await writeFile(join(leftover, 'stray.txt'), 'left\n');
  const folders = new FileInputFolders(dir);
  const folder = await folders.add([[{ source, target: '/app/module.wasm', readOnly: true }, 'module.wasm']]);
  expect(folder).toBe(leftover);
  expect(await readdir(folder)).toEqual(['module.wasm']);
  expect(await readFile(join(folder, 'module.wasm'), 'utf8')).toBe('this run\n');
  expect(await folders.release()).toBeUndefined();
});

it('takes the first folder from a spare made ahead of time, where there is one, and the others anew', async () => {
  const source = join(dir, 'module.wasm');
  await writeFile(source, 'module\n');
  await mkdir(join(dir, 'spare-file-inputs'));
  const spare = await stat(join(dir, 'spare-file-inputs'));
  const folders = new FileInputFolders(dir);
  const first = await folders.add([[{ source, target: '/app/module.wasm', readOnly: true }, 'module.wasm']]);
  const second = await folders.add([[{ source, target: '/lib/module.wasm', readOnly: true }, 'module.wasm']]);
  expect((await stat(first)).ino).toBe(spare.ino);
  expect(second).toBe(join(dir, 'wasm-file-inputs-1'));
  expect((await readdir(dir)).sort()).toEqual(['module.wasm', 'wasm-file-inputs-0', 'wasm-file-inputs-1']);
  expect(await readFile(join(second, 'module.wasm'), 'utf8')).toBe('module\n');
  expect(await folders.release()).toBeUndefined();
  await releasedFoldersRemoved();
  expect(await readdir(dir)).toEqual(['module.wasm']);
});

it('leaves the spare where a run killed in a crash left a folder with content, and replaces that folder', async () => {
  const source = join(dir, 'module.wasm');
  await writeFile(source, 'this run\n');
  await mkdir(join(dir, 'spare-file-inputs'));
  await mkdir(join(dir, 'wasm-file-inputs-0'));
  await writeFile(join(dir, 'wasm-file-inputs-0', 'stray.txt'), 'left\n');
  const folders = new FileInputFolders(dir);
  const folder = await folders.add([[{ source, target: '/app/module.wasm', readOnly: true }, 'module.wasm']]);
  expect(await readdir(folder)).toEqual(['module.wasm']);
  expect((await readdir(dir)).sort()).toEqual(['module.wasm', 'spare-file-inputs', 'wasm-file-inputs-0']);
});

it('tells when every folder released so far is removed, for a stop to wait on', async () => {
  const source = join(dir, 'module.wasm');
  await writeFile(source, 'module\n');
  const input = [[{ source, target: '/app/module.wasm', readOnly: true }, 'module.wasm']] as const;
  const runs = [new FileInputFolders(dir), new FileInputFolders(join(dir, 'other'))];
  await mkdir(join(dir, 'other'));
  const folders = await Promise.all(runs.map((run) => run.add(input)));
  await Promise.all(runs.map((run) => run.release()));
  // the removal waits a few milliseconds after the release (lib/background-work.ts)
  expect(folders.map((f) => existsSync(f))).toEqual([true, true]);
  await releasedFoldersRemoved();
  expect(folders.map((f) => existsSync(f))).toEqual([false, false]);
});
