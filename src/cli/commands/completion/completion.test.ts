import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../../../../test/helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bacalhau-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What bash offers after `words` (the last one being completed), using the generated script. */
async function bashOffers(words: string[]): Promise<string[]> {
  const script = join(dir, 'bacalhau.bash');
  writeFileSync(script, (await cli(['completion', 'bash'])).stdout);
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `source ${script}; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; __bacalhau_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter((w) => w !== '');
}

describe('completion', () => {
  it('bash: subcommands and flags of the command typed so far', async () => {
    expect(await bashOffers(['bacalhau', 'pro'])).toEqual(['profile']);
    expect(await bashOffers(['bacalhau', 'job', 'r'])).toEqual(['rerun', 'run']);
    expect(await bashOffers(['bacalhau', '--api-port', '1', 'docker', 'run', '--qu'])).toEqual([
      '--queue-timeout',
    ]);
    expect(await bashOffers(['bacalhau', 'job', 'list', '--prof'])).toEqual(['--profile']);
  });

  it('zsh: a compdef script with descriptions', async () => {
    const run = await cli(['completion', 'zsh']);
    expect(run.stdout.startsWith('#compdef bacalhau\n')).toBe(true);
    expect(run.stdout).toContain("'profile:Manage CLI connection profiles for Bacalhau clusters.'");
    expect(run.stdout).toContain("('bacalhau wasm run') candidates=(");
  });

  it('refuses other shells', async () => {
    const run = await cli(['completion', 'tcsh']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unsupported shell "tcsh": one of bash, fish, zsh');
  });
});
