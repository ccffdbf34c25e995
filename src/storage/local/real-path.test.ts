import type * as FsPromises from 'node:fs/promises';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrokenLinkError, ChangingPathError, resolveRealPath } from './real-path.js';

/** Stands in for realpath's first answer: what a folder renamed in the middle of the check gives. */
const first = vi.hoisted(() => ({ answer: undefined as undefined | (() => Promise<string>) }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  return {
    ...actual,
    realpath: (path: string) => {
      const answer = first.answer;
      first.answer = undefined;
      return answer === undefined ? actual.realpath(path) : answer();
    },
  };
});

const missing = (): Promise<string> =>
  Promise.reject(Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' }));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'real-path-'));
  await mkdir(join(dir, 'folder'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('resolveRealPath', () => {
  it('resolves links on the way, and a missing rest below the deepest folder there', async () => {
    await symlink(join(dir, 'folder'), join(dir, 'link'));
    expect(await resolveRealPath(join(dir, 'link'))).toEqual({ path: join(dir, 'folder'), exists: true });
    expect(await resolveRealPath(join(dir, 'link', 'new', 'file'))).toEqual({
      path: join(dir, 'folder', 'new', 'file'),
      exists: false,
    });
  });

  it('refuses a link to nothing', async () => {
    await symlink(join(dir, 'nothing'), join(dir, 'broken'));
    await expect(resolveRealPath(join(dir, 'broken'))).rejects.toBeInstanceOf(BrokenLinkError);
  });

  it('says a path changed, not that it is a link to nothing, when it was missing and then was there', async () => {
    await symlink(join(dir, 'folder'), join(dir, 'link'));
    for (const path of [join(dir, 'folder'), join(dir, 'link')]) {
      first.answer = missing; // renamed away at that moment, back by the next look
      await expect(resolveRealPath(path)).rejects.toBeInstanceOf(ChangingPathError);
    }
  });
});
