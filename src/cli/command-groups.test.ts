import { describe, expect, it } from 'vitest';
import { cli } from '../../test/helpers/cli.js';

describe('command groups', () => {
  it('print their help on standard output and exit 0 when bare, as cobra does', async () => {
    for (const args of [[], ['job'], ['node'], ['help'], ['help', 'job', 'list'], ['job', 'help', 'list']]) {
      const run = await cli(args);
      expect([run.code, run.stderr]).toEqual([0, '']);
      expect(run.stdout).toMatch(/^Usage: bacalhau/);
    }
    expect((await cli(['help', 'job', 'list'])).stdout).toMatch(/^Usage: bacalhau job list \[options\]/);
    // and say so in their help, as commander's own `help [command]` did before groups had an action
    expect((await cli(['job', '--help'])).stdout).toMatch(
      /\n {2}help \[command\.\.\.\] +display help for command\n/,
    );
  });

  it("name an unknown command with cobra's words and the closest one", async () => {
    expect(await cli(['job', 'lgs'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        '\nError: unknown command "lgs" for "bacalhau job"\n\nDid you mean this?\n\tlogs\n' +
        "Hint:  Run 'bacalhau job --help' for usage.\n",
    });
    expect((await cli(['nonsense'])).stderr).toBe(
      '\nError: unknown command "nonsense" for "bacalhau"\n' + "Hint:  Run 'bacalhau --help' for usage.\n",
    );
  });

  it('refuse an unknown option given where a command is expected', async () => {
    for (const args of [['--bogus'], ['job', '--bogus', 'list'], ['job', 'list', '--bogus']]) {
      const run = await cli(args);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('\nError: unknown flag: --bogus\n');
    }
  });

  it("point Bacalhau's old top-level job commands to their job subcommands", async () => {
    for (const [old, now] of [
      ['list', 'list'],
      ['describe', 'describe'],
      ['cancel', 'stop'],
      ['create', 'run'],
    ]) {
      // with the old command's own flags too: the command is what is wrong, not the flag
      const run = await cli([old ?? '', '--id-filter', 'j-1']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Error: unknown command "${old}" for "bacalhau"\n`);
      expect(run.stderr).toContain(
        `Hint:  Bacalhau's job commands moved under 'job' in v1.5: use 'bacalhau job ${now}'\n`,
      );
    }
  });
});
