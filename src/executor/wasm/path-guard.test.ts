import { mkdir, mkdtemp, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPathGuard, type PathGuard } from './path-guard.js';

const NotCapable = 76;
const require = createRequire(import.meta.url);

/**
 * A temp folder holding `data/` (preopened at /data as fd 3, with `v2/file.txt`) and `outside/`
 * beside it; links are made per test.
 */
let dir: string;
let data: string;
let outside: string;
let guard: PathGuard;

beforeEach(async () => {
  // real paths throughout, so the expectations read as the guard's (tmpdir may itself be a link)
  dir = await realpath(await mkdtemp(join(tmpdir(), 'bacalhau-ts-path-guard-')));
  [data, outside] = [join(dir, 'data'), join(dir, 'outside')];
  await mkdir(join(data, 'v2'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(data, 'v2', 'file.txt'), 'x');
  guard = createPathGuard(require, [{ guest: '/data', host: data }], 3);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const allowed = (host?: string) => ({ errno: 0, ...(host === undefined ? {} : { host }) });
const refused = { errno: NotCapable };

describe('createPathGuard', () => {
  it('preopens the real folder: a preopen given through a link is checked as its target', async () => {
    await symlink(data, join(dir, 'via-link'));
    const viaLink = createPathGuard(require, [{ guest: '/data', host: join(dir, 'via-link') }], 3);
    expect(viaLink.hosts).toEqual([data]);
    expect(viaLink.check(3, 'v2/file.txt', 'follows-on-host')).toEqual(allowed(`${data}/v2/file.txt`));
  });

  it('refuses a local input (checked) that no longer is the real path it was checked as', async () => {
    const checked = join(dir, 'checked');
    await mkdir(checked);
    expect(createPathGuard(require, [{ guest: '/in', host: checked, checked: true }], 3).hosts).toEqual([
      checked,
    ]);
    // a task that may write beside it swapped it for a link to another host folder
    await rm(checked, { recursive: true });
    await symlink(outside, checked);
    expect(() => createPathGuard(require, [{ guest: '/in', host: checked, checked: true }], 3)).toThrow(
      `input source ${JSON.stringify(checked)} now leads to ${JSON.stringify(outside)}: it changed after it was checked`,
    );
  });

  it('refuses a link whose text is absolute or climbs: only links pointing downwards are made', () => {
    expect(guard.checkLinkTarget(3, 'v2/l', 'file.txt')).toBe(0);
    expect(guard.checkLinkTarget(3, '/data/l', 'v2')).toBe(0);
    expect(guard.checkLinkTarget(3, '/data/dot', '.')).toBe(0);
    expect(guard.checkLinkTarget(3, 'v2/l', '../v2/file.txt')).toBe(NotCapable);
    expect(guard.checkLinkTarget(3, 'v2/l', '../..')).toBe(NotCapable);
    expect(guard.checkLinkTarget(3, 'l', '/etc')).toBe(NotCapable);
    // inside by its text, out on the host once `dot` is a link to `.`
    expect(guard.checkLinkTarget(3, 'up', 'dot/..')).toBe(NotCapable);
    // a preopen at the guest's root: `..` stops there in the guest, not on the host
    const atRoot = createPathGuard(require, [{ guest: '/', host: data }], 3);
    expect(atRoot.checkLinkTarget(3, '/l', '../../../..')).toBe(NotCapable);
    expect(atRoot.checkLinkTarget(3, '/l', 'v2/file.txt')).toBe(0);
  });

  it('refuses another name for a link another task made whose text is absolute or climbs', async () => {
    await symlink('/etc', join(data, 'abs'));
    await symlink('../outside', join(data, 'up'));
    await symlink('v2/file.txt', join(data, 'down'));
    expect(guard.checkLinkCopy(3, 'abs')).toBe(NotCapable);
    expect(guard.checkLinkCopy(3, '/data/up')).toBe(NotCapable);
    expect(guard.checkLinkCopy(3, 'down')).toBe(0);
    expect(guard.checkLinkCopy(3, 'v2/file.txt')).toBe(0);
    // a link on the way to it still takes the path outside, as for any call
    await symlink(outside, join(data, 'away'));
    expect(guard.checkLinkCopy(3, 'away/x')).toBe(NotCapable);
  });

  it('maps guest paths, relative or absolute, as uvwasi does', () => {
    expect(guard.check(3, 'v2/file.txt', 'follows-in-guest')).toEqual(allowed(`${data}/v2/file.txt`));
    expect(guard.check(3, '/data/v2/./x/../file.txt', 'acts-on-link')).toEqual(
      allowed(`${data}/v2/file.txt`),
    );
    expect(guard.check(3, '.', 'follows-on-host')).toEqual(allowed(data));
    expect(guard.check(3, '/data/', 'follows-on-host')).toEqual(allowed(data));
  });

  it('leaves to WASI what it refuses or answers by itself: paths out of the preopen, unknown fds', () => {
    expect(guard.check(3, '../outside', 'follows-on-host')).toEqual(allowed());
    expect(guard.check(3, '/etc/passwd', 'follows-on-host')).toEqual(allowed());
    expect(guard.check(1, 'anything', 'follows-on-host')).toEqual(allowed());
    expect(guard.check(9, 'anything', 'follows-on-host')).toEqual(allowed());
  });

  it('refuses a path whose folder a link takes outside, whatever happens at its end', async () => {
    await symlink(outside, join(data, 'away'));
    for (const handling of ['acts-on-link', 'follows-in-guest', 'follows-on-host'] as const) {
      expect(guard.check(3, 'away/file.txt', handling)).toEqual(refused);
      expect(guard.check(3, 'away/new/deeper.txt', handling)).toEqual(refused);
    }
  });

  it('allows folders linked inside the preopen', async () => {
    await symlink('v2', join(data, 'current'));
    expect(guard.check(3, 'current/file.txt', 'follows-on-host')).toEqual(
      allowed(`${data}/current/file.txt`),
    );
  });

  it('acts on a link at the end itself: unlinking or renaming one that leads outside is fine', async () => {
    await symlink(outside, join(data, 'away'));
    expect(guard.check(3, 'away', 'acts-on-link')).toEqual(allowed(`${data}/away`));
  });

  it('follows a link at the end on the host only into the preopen; one leading nowhere is refused', async () => {
    await symlink('v2/file.txt', join(data, 'latest'));
    await symlink(join(outside, 'file.txt'), join(data, 'away'));
    await symlink(join(outside, 'not-yet'), join(data, 'dangling'));
    expect(guard.check(3, 'latest', 'follows-on-host')).toEqual(allowed(`${data}/latest`));
    expect(guard.check(3, 'away', 'follows-on-host')).toEqual(refused);
    // opened with O_CREAT, the host would create the file outside
    expect(guard.check(3, 'dangling', 'follows-on-host')).toEqual(refused);
  });

  it("follows a link at the end in the guest's namespace as uvwasi does, relative to the preopen", async () => {
    await symlink('v2/file.txt', join(data, 'latest'));
    // `..`s stop at the guest's root: this target names /data/v2/file.txt for uvwasi
    await symlink('../../../../data/v2/file.txt', join(data, 'climbing'));
    expect(guard.check(3, 'latest', 'follows-in-guest')).toEqual(allowed(`${data}/v2/file.txt`));
    expect(guard.check(3, 'climbing', 'follows-in-guest')).toEqual(allowed(`${data}/v2/file.txt`));
  });

  it('stops following in the guest where uvwasi does (a loop, or a target out of the preopen)', async () => {
    await symlink('loop', join(data, 'loop'));
    await symlink('/etc/passwd', join(data, 'absolute'));
    expect(guard.check(3, 'loop', 'follows-in-guest')).toEqual(allowed());
    expect(guard.check(3, 'absolute', 'follows-in-guest')).toEqual(allowed());
  });

  it('checks what the host will see when a name is not UTF-8', async () => {
    const name = Buffer.from([0x61, 0xff]);
    await symlink(outside, Buffer.concat([Buffer.from(`${data}/`), name]));
    const text = `${name.toString('latin1')}/file.txt`;
    expect(guard.check(3, text, 'follows-on-host')).toEqual(refused);
  });

  it('takes preopens whose names are not ASCII (given as text, checked as their UTF-8 bytes)', async () => {
    const café = join(dir, 'café');
    await mkdir(join(café, 'v2'), { recursive: true });
    await symlink(outside, join(café, 'away'));
    const guarded = createPathGuard(require, [{ guest: '/données', host: café }], 3);
    expect(guarded.hosts).toEqual([café]);
    // the guest's bytes, one per char, as the worker reads them from the module's memory
    const guestPath = (text: string) => Buffer.from(text).toString('latin1');
    const inCafé = `${Buffer.from(café).toString('latin1')}/v2`;
    expect(guarded.check(3, guestPath('/données/v2'), 'follows-on-host')).toEqual(allowed(inCafé));
    expect(guarded.check(3, guestPath('/données/away/x'), 'follows-on-host')).toEqual(refused);
  });

  describe('descriptors a task opened', () => {
    it('checks paths through them against the preopen they came from', async () => {
      guard.opened(3, `${data}/v2`, 4);
      await writeFile(join(data, 'v2', 'other.txt'), 'y');
      expect(guard.check(4, 'other.txt', 'follows-on-host')).toEqual(allowed(`${data}/v2/other.txt`));
      expect(guard.check(4, '..', 'follows-on-host')).toEqual(allowed());
    });

    it('refuses once the folder behind one was swapped for a link leading outside', async () => {
      guard.opened(3, `${data}/v2`, 4);
      await rename(join(data, 'v2'), join(data, 'v3'));
      await symlink(outside, join(data, 'v2'));
      expect(guard.check(4, 'file.txt', 'follows-on-host')).toEqual(refused);
    });

    it('forgets closed ones and moves renumbered ones', async () => {
      await symlink(outside, join(data, 'away'));
      guard.opened(3, data, 4);
      guard.renumbered(4, 7);
      expect(guard.check(4, 'away/x', 'acts-on-link')).toEqual(allowed());
      expect(guard.check(7, 'away/x', 'acts-on-link')).toEqual(refused);
      guard.closed(7);
      expect(guard.check(7, 'away/x', 'acts-on-link')).toEqual(allowed());
    });
  });
});
