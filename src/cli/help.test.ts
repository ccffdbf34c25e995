import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { cli } from '../../test/helpers/cli.js';
import { createProgram } from './root.js';

/** Every command path in the tree, e.g. ['job', 'validate']. */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((sub) => [
    [...prefix, sub.name()],
    ...commandPaths(sub, [...prefix, sub.name()]),
  ]);
}

const program = createProgram({
  stdin: [],
  stdout: { write: () => undefined },
  stderr: { write: () => undefined },
  env: {},
  cwd: process.cwd(),
  binName: 'bacalhau',
});

describe('--help everywhere', () => {
  const paths = [[], ...commandPaths(program)];

  it('finds the commands of the skeleton', () => {
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining([
        'version',
        'job',
        'job validate',
        'job run',
        'job list',
        'job describe',
        'job executions',
        'job history',
        'job versions',
        'job stop',
        'job rerun',
        'config',
        'config list',
        'config set',
        'serve',
        'devstack',
        'node list',
        'node describe',
        'node approve',
        'node reject',
        'node delete',
        'agent alive',
        'agent node',
        'agent version',
        'agent config',
        'auth',
        'auth info',
        'auth hash-password',
        'auth sso',
        'auth sso login',
        'auth sso logout',
        'auth sso token',
      ]),
    );
  });

  it.each(paths.map((p) => [p.join(' ') || '(root)', p] as const))(
    'bacalhau %s --help',
    async (_name, path) => {
      const run = await cli([...path, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: bacalhau${path.length > 0 ? ` ${path.join(' ')}` : ''}`);
      expect(run.stderr).toBe('');
      // the root flags, which every command takes, as cobra's "Global Flags"
      if (path.length > 0) expect(run.stdout).toMatch(/Global Options:\n[\s\S]*--data-dir <dir>/);
      // Go's help template ends with the credentials' environment variables
      expect(run.stdout).toMatch(/\nAuth Environment Variables:\n {2}BACALHAU_API_KEY {9}API key/);
    },
  );
});

describe('examples', () => {
  it.each([
    [
      ['job', 'get'],
      ['# Get the results of a job, with a short ID.', 'bacalhau job get ebd9bf2f'],
    ],
    [
      ['job', 'logs'],
      ['# Tail logs for a previously submitted job', '--tail'],
    ],
  ])('bacalhau %j --help shows Bacalhau’s examples', async (path, lines) => {
    const run = await cli([...path, '--help']);
    expect(run.stdout).toContain('\nExamples:\n');
    for (const line of lines) expect(run.stdout).toContain(line);
  });
});
