import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../../../../test/helpers/cli.js';

/** Deleting the current profile asks first, and reads the answer as Go's bufio ReadString('\n') does. */
describe('profile delete of the current profile', () => {
  let dataDir: string;
  const run = (args: string[], stdin?: string) =>
    cli(['profile', ...args], { env: { BACALHAU_DIR: dataDir }, ...(stdin === undefined ? {} : { stdin }) });
  const prompt = 'Profile "p" is the current profile. Delete anyway? [y/N]: ';

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'profile-delete-'));
    expect((await run(['save', 'p', '--endpoint', '127.0.0.1:9', '--select'])).code).toBe(0);
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('deletes on y or yes, and cancels on anything else, given a whole line', async () => {
    expect(await run(['delete', 'p'], 'no\n')).toEqual({
      code: 0,
      stdout: `${prompt}Deletion cancelled\n`,
      stderr: '',
    });
    expect(await run(['delete', 'p'], ' YES \n')).toEqual({
      code: 0,
      stdout: `${prompt}Profile "p" deleted\n`,
      stderr: '',
    });
  });

  // A script without a terminal (stdin /dev/null) must not take the unanswered question for success
  it.each([
    ['no input', undefined],
    ['an answer without its newline', 'y'],
  ])('fails with EOF on %s, deleting nothing', async (_what, stdin) => {
    expect(await run(['delete', 'p'], stdin)).toEqual({
      code: 1,
      stdout: prompt,
      stderr: '\nError: failed to read response: EOF\n',
    });
    expect(existsSync(join(dataDir, 'profiles', 'p.yaml'))).toBe(true);
  });
});
