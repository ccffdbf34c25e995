/**
 * The fish and zsh completion scripts, run in the real shells (bash's is checked in its unit test,
 * bash being everywhere). fish answers `complete -C` as it would a Tab; zsh's completion system needs
 * a terminal, so the script's own function runs with `_describe` replaced by one that prints what it
 * is given: the candidates of the command path the script worked out.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { posixQuote } from '../../src/cli/commands/completion/tree.js';
import { cli } from '../helpers/cli.js';
import { requireEnv, shellsEnv, type SkipContext } from '../helpers/test-env.js';

const dir = mkdtempSync(join(tmpdir(), 'bacalhau-completion-shells-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function saveScript(shell: 'fish' | 'zsh'): Promise<string> {
  const run = await cli(['completion', shell]);
  expect(run.code).toBe(0);
  const path = join(dir, `bacalhau.${shell}`);
  writeFileSync(path, run.stdout);
  return path;
}

/** What fish offers for the command line `line` (the cursor at its end): `word<TAB>description` each. */
async function fishOffers(ctx: SkipContext, line: string, cwd = dir): Promise<string[]> {
  const { fish } = requireEnv(ctx, shellsEnv());
  const script = await saveScript('fish');
  const out = execFileSync(fish, ['--no-config', '-c', `source ${script}; complete -C ${posixQuote(line)}`], {
    cwd,
    encoding: 'utf8',
  });
  return out.split('\n').filter((l) => l !== '');
}

/** The `word:description` candidates zsh's `_describe` is given for `words` (the last being completed). */
async function zshCandidates(ctx: SkipContext, words: string[]): Promise<string[]> {
  const { zsh } = requireEnv(ctx, shellsEnv());
  const script = await saveScript('zsh');
  const out = execFileSync(
    zsh,
    [
      '-f',
      '-c',
      [
        'compdef() { :; }',
        '_describe() { print -rl -- ${(P)${@[-1]}} }',
        `source ${script}`,
        `words=(${words.map(posixQuote).join(' ')}); CURRENT=${words.length}`,
        '_bacalhau',
      ].join('\n'),
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter((l) => l !== '');
}

describe('fish completion', () => {
  it('offers the subcommands and flags of the command typed so far, with descriptions', async (ctx) => {
    expect(await fishOffers(ctx, 'bacalhau pro')).toEqual([
      'profile\tManage CLI connection profiles for Bacalhau clusters.',
    ]);
    const words = (await fishOffers(ctx, 'bacalhau job r')).map((l) => l.split('\t')[0]);
    expect(words).toEqual(['rerun', 'run']);
    // flags and their values are skipped when working out the command
    expect(await fishOffers(ctx, 'bacalhau --api-port 1 docker run --qu')).toEqual([
      '--queue-timeout\tJob queue timeout in seconds (e.g. 300 for 5 minutes).',
    ]);
    // a noun's flags apply to its verbs
    expect(await fishOffers(ctx, 'bacalhau job list --prof')).toEqual([
      '--profile\tUse a specific profile for this command',
    ]);
  });

  it('offers files where no subcommand or flag matches (a job spec)', async (ctx) => {
    writeFileSync(join(dir, 'spec.yaml'), 'Type: batch\n');
    expect(await fishOffers(ctx, 'bacalhau job run spe')).toEqual(['spec.yaml']);
  });

  it('keeps quotes and backslashes of descriptions', async (ctx) => {
    const describe = (await fishOffers(ctx, 'bacalhau job desc')).join('\n');
    expect(describe).toBe(
      "describe\tGet the info of a job using its name or id. Use 'bacalhau job list' to get a list of jobs.",
    );
  });
});

describe('zsh completion', () => {
  it('describes the subcommands and flags of the command typed so far', async (ctx) => {
    const jobs = await zshCandidates(ctx, ['bacalhau', 'job', 'r']);
    expect(jobs).toContain('run:Run a job from a file or from stdin. JSON and YAML formats are accepted.');
    expect(jobs).toContain('rerun:Rerun a job using its id or name.');
    expect(jobs.some((c) => c.startsWith('profile:'))).toBe(false);
    const docker = await zshCandidates(ctx, ['bacalhau', '--api-port', '1', 'docker', 'run', '--qu']);
    expect(docker).toContain('--queue-timeout:Job queue timeout in seconds (e.g. 300 for 5 minutes).');
    expect(await zshCandidates(ctx, ['bacalhau', 'pro'])).toContain(
      'profile:Manage CLI connection profiles for Bacalhau clusters.',
    );
  });
});
