import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, type InputSource } from '../../models/index.js';
import { runStorageContract, type BadInput } from '../storage.contract.js';
import { LocalStorage } from './local.js';

const local = (Params: Record<string, unknown>, Target = '/inputs'): InputSource => ({
  Source: { Type: 'local', Params },
  Alias: '',
  Target,
});

/** root/allowed (read-only entry), root/rw (writable entry), root/secret (not listed). */
async function makeTree(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'storage-local-'));
  await mkdir(join(root, 'allowed/data/sub'), { recursive: true });
  await writeFile(join(root, 'allowed/data/a.txt'), 'A');
  await writeFile(join(root, 'allowed/data/sub/b.txt'), 'B');
  await mkdir(join(root, 'rw'));
  await writeFile(join(root, 'rw/file.txt'), 'rw');
  await mkdir(join(root, 'secret'));
  await writeFile(join(root, 'secret/key'), 'k');
  await symlink(join(root, 'secret'), join(root, 'allowed/escape'));
  await symlink(join(root, 'nowhere'), join(root, 'rw/dangling'));
  return root;
}

runStorageContract('local', async () => {
  const root = await makeTree();
  const at = (path: string) => join(root, path);
  const bad = (name: string, params: Record<string, unknown>, field: string, code?: ErrorCode): BadInput => ({
    name,
    input: local(params),
    field: `Source.Params.${field}`,
    ...(code === undefined ? {} : { code }),
  });
  return {
    type: 'local',
    storage: await LocalStorage.create({
      allowListedLocalPaths: [`${at('allowed')}/**`, `${at('rw')}/**:rw`],
    }),
    exclusive: false,
    good: [
      {
        name: 'read-only directory',
        input: local({ SourcePath: at('allowed/data') }),
        files: { 'a.txt': 'A', 'sub/b.txt': 'B' },
        target: '/inputs',
        readOnly: true,
        size: 0,
        local: true,
      },
      {
        name: 'writable file, ReadWrite as a string',
        input: local({ SourcePath: at('rw/file.txt'), ReadWrite: 'true' }, '/out/file.txt'),
        files: { '': 'rw' },
        target: '/out/file.txt',
        readOnly: false,
        size: 0,
        local: true,
      },
      {
        name: 'created directory',
        input: local({ SourcePath: at('rw/new/dir'), readwrite: true, createas: 'DIR' }),
        files: {},
        target: '/inputs',
        readOnly: false,
        size: 0,
        local: true,
      },
    ],
    bad: [
      bad('no SourcePath', {}, 'SourcePath'),
      bad('relative path', { SourcePath: 'data' }, 'SourcePath'),
      bad('dot-dot', { SourcePath: `${at('allowed')}/../secret/key` }, 'SourcePath'),
      bad('not listed', { SourcePath: at('secret/key') }, 'SourcePath', ErrorCode.ConfigurationError),
      bad(
        'symlink escape',
        { SourcePath: at('allowed/escape/key') },
        'SourcePath',
        ErrorCode.ConfigurationError,
      ),
      bad('list entry itself', { SourcePath: at('allowed-not') }, 'SourcePath', ErrorCode.ConfigurationError),
      bad('writes to a read-only entry', { SourcePath: at('allowed/data'), ReadWrite: true }, 'ReadWrite'),
      bad('missing, read-only', { SourcePath: at('allowed/missing') }, 'SourcePath', ErrorCode.NotFound),
      bad(
        'missing, noCreate',
        { SourcePath: at('rw/missing'), ReadWrite: true },
        'SourcePath',
        ErrorCode.NotFound,
      ),
      bad(
        'dangling link',
        { SourcePath: at('rw/dangling'), ReadWrite: true, CreateAs: 'file' },
        'SourcePath',
      ),
      bad('unknown CreateAs', { SourcePath: at('rw/x'), ReadWrite: true, CreateAs: 'folder' }, 'CreateAs'),
      bad('ReadWrite not a boolean', { SourcePath: at('rw/x'), ReadWrite: 42 }, 'ReadWrite'),
    ],
    close: () => rm(root, { recursive: true, force: true }),
  };
});

describe('local inputs', () => {
  let root: string;
  beforeEach(async () => {
    root = await makeTree();
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('is not installed without an allow-list', async () => {
    expect(await (await LocalStorage.create({ allowListedLocalPaths: [] })).isInstalled()).toBe(false);
  });

  it('matches an entry exactly unless it is a glob, as Go does', async () => {
    const storage = await LocalStorage.create({ allowListedLocalPaths: [join(root, 'allowed')] });
    expect(await storage.hasStorageLocally(local({ SourcePath: join(root, 'allowed') }))).toBe(true);
    expect(await storage.hasStorageLocally(local({ SourcePath: join(root, 'allowed/data') }))).toBe(false);
  });

  it('suggests an entry for a path it does not allow, never one allowing the whole file system', async () => {
    const storage = await LocalStorage.create({ allowListedLocalPaths: [join(root, 'allowed')] });
    const refusal = (path: string) =>
      storage.prepareStorage(root, local({ SourcePath: path })).then(
        () => undefined,
        (err: unknown) => (err as { hint?: string }).hint,
      );
    expect(await refusal(join(root, 'secret/key'))).toBe(
      `Add "${join(root, 'secret/key')}", or a glob such as "${join(root, 'secret')}/**", to Compute.AllowListedLocalPaths ` +
        `in the compute node's config (append ":rw" to allow writes), or use a path it allows.`,
    );
    expect(await refusal('/etc')).toBe(
      `Add "/etc" to Compute.AllowListedLocalPaths in the compute node's config (append ":rw" to allow writes), or use a path it allows.`,
    );
  });

  it('says nothing of what the host holds at a path outside the list: link targets, existence, access', async () => {
    await symlink('/etc', join(root, 'to-etc'));
    await symlink(join(root, 'nowhere'), join(root, 'dangling'));
    const storage = await LocalStorage.create({ allowListedLocalPaths: [`${join(root, 'allowed')}/**`] });
    const refusal = (path: string) =>
      storage.prepareStorage(root, local({ SourcePath: path })).then(
        () => 'mounted',
        (err: unknown) => `${(err as Error).message} | ${(err as { hint?: string }).hint ?? ''}`,
      );
    for (const path of [
      join(root, 'to-etc'),
      join(root, 'dangling'),
      join(root, 'secret/key/below-a-file'),
    ]) {
      expect(await refusal(path)).toBe(
        `Source.Params.SourcePath: ${path} is not allowed by this node's Compute.AllowListedLocalPaths | ` +
          `Add "${path}", or a glob such as "${dirname(path)}/**", to Compute.AllowListedLocalPaths ` +
          `in the compute node's config (append ":rw" to allow writes), or use a path it allows.`,
      );
    }
    // a path outside the list as written that leads into a read-only entry: refused, without where to
    await symlink(join(root, 'allowed'), join(root, 'to-allowed'));
    const writable = await storage
      .prepareStorage(root, local({ SourcePath: join(root, 'to-allowed'), ReadWrite: true }))
      .then(
        () => 'mounted',
        (err: unknown) => (err as Error).message,
      );
    expect(writable).toBe(
      `Source.Params.ReadWrite: ${join(root, 'to-allowed')} may only be mounted read-only on this node`,
    );
    // links planted in a listed folder that lead out say nothing of what is there: missing, a file
    await symlink(join(root, 'secret/no-such-file'), join(root, 'allowed/to-nothing'));
    await symlink(join(root, 'secret/key'), join(root, 'allowed/to-file'));
    await symlink(join(root, 'allowed/no-such-file'), join(root, 'allowed/dangling-inside'));
    for (const path of [join(root, 'allowed/to-nothing'), join(root, 'allowed/to-file/below')]) {
      expect(await refusal(path)).toMatch(/ leads, through a symbolic link, outside this node's /u);
    }
    // a link that stays inside the list is described, as its user needs
    expect(await refusal(join(root, 'allowed/dangling-inside'))).toContain('is a symbolic link to nothing');
    // a link inside a listed folder: that it leads out, not where (a job may plant such links)
    expect(await refusal(join(root, 'allowed/escape/key'))).toBe(
      `Source.Params.SourcePath: ${join(root, 'allowed/escape/key')} leads, through a symbolic link, outside ` +
        "this node's Compute.AllowListedLocalPaths | Give a path with no link on its way leading out of the " +
        'list: links are followed, and where they lead must be allowed too.',
    );
  });

  it('resolves entries that are symbolic links', async () => {
    await symlink(join(root, 'allowed'), join(root, 'alias'));
    const storage = await LocalStorage.create({ allowListedLocalPaths: [`${join(root, 'alias')}/**:ro`] });
    const volume = await storage.prepareStorage(root, local({ SourcePath: join(root, 'alias/data/a.txt') }));
    expect(volume.source).toBe(join(root, 'allowed/data/a.txt'));
  });

  it('creates a missing file and its parents when asked', async () => {
    const storage = await LocalStorage.create({ allowListedLocalPaths: [`${join(root, 'rw')}/**:rw`] });
    const input = local({ SourcePath: join(root, 'rw/a/b/out.txt'), ReadWrite: true, CreateAs: 'file' });
    expect(await storage.hasStorageLocally(input)).toBe(true);
    const volume = await storage.prepareStorage(root, input);
    expect(await readFile(volume.source, 'utf8')).toBe('');
    expect((await stat(join(root, 'rw/a'))).mode & 0o777).toBe(0o700);
  });

  it('refuses CreateAs file for a path ending in a slash', async () => {
    const storage = await LocalStorage.create({ allowListedLocalPaths: [`${join(root, 'rw')}/**:rw`] });
    const input = local({ SourcePath: `${join(root, 'rw/dir')}/`, ReadWrite: true, CreateAs: 'file' });
    await expect(storage.prepareStorage(root, input)).rejects.toMatchObject({
      details: { Field: 'Source.Params.CreateAs' },
    });
  });

  it('accepts the deprecated localDirectory type', async () => {
    const storage = await LocalStorage.create({ allowListedLocalPaths: [`${join(root, 'allowed')}/**`] });
    const input = {
      ...local({}),
      Source: { Type: 'localDirectory', Params: { SourcePath: join(root, 'allowed') } },
    };
    expect((await storage.prepareStorage(root, input)).source).toBe(join(root, 'allowed'));
  });

  it.each([
    ['data', 'is not an absolute path'],
    ['/data/[a', 'is not a valid glob'],
    ['/data:rx', 'ends in ":rx", which is not an access mode (":ro" or ":rw")'],
    ['/data:RW', 'ends in ":RW", which is not an access mode (":ro" or ":rw")'],
    ['/data:rwx', 'ends in ":rwx", which is not an access mode (":ro" or ":rw")'],
    ['/data:w', 'ends in ":w", which is not an access mode (":ro" or ":rw")'],
    ['/data:readonly', 'ends in ":readonly", which is not an access mode (":ro" or ":rw")'],
  ])('names the bad allow-list entry %s', async (entry, problem) => {
    await expect(LocalStorage.create({ allowListedLocalPaths: ['/ok/**', entry] })).rejects.toMatchObject({
      code: ErrorCode.ConfigurationError,
      message: expect.stringContaining(`Compute.AllowListedLocalPaths[1]: "${entry}" ${problem}`) as unknown,
    });
  });

  it('says how to list a path that ends like a mode, lists it so, and takes other suffixes as the path', async () => {
    await expect(LocalStorage.create({ allowListedLocalPaths: ['/srv/data:rx'] })).rejects.toMatchObject({
      hint: expect.stringContaining('"/srv/data:rx:ro"') as unknown,
    });
    await LocalStorage.create({ allowListedLocalPaths: ['/srv/data:db', '/srv/app:latest'] });
    const dir = join(root, 'backup:rx');
    await mkdir(dir, { recursive: true });
    const storage = await LocalStorage.create({ allowListedLocalPaths: [`${dir}:rw`] });
    const input = local({ SourcePath: dir, ReadWrite: true });
    expect((await storage.prepareStorage(root, input)).source).toBe(dir);
  });
});
