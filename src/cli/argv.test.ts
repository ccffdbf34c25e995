import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { normalizeBooleanFlags } from './argv.js';

function program(): Command {
  const root = new Command('bacalhau').option('--api-port <port>');
  const job = new Command('job');
  job.addCommand(
    new Command('run')
      .addOption(new Option('--wait').default(true))
      .addOption(new Option('--no-wait').hideHelp())
      .option('--id-only')
      .option('--no-style')
      .option('-V, --template-vars <kv>'),
  );
  root.addCommand(job);
  return root;
}

describe('normalizeBooleanFlags', () => {
  const norm = (...args: string[]): string[] => normalizeBooleanFlags(program(), args);

  it('turns Go-style --flag=false into --no-flag when that exists', () => {
    expect(norm('job', 'run', '--wait=false', 'f.yaml')).toEqual(['job', 'run', '--no-wait', 'f.yaml']);
    expect(norm('job', 'run', '--wait=0')).toEqual(['job', 'run', '--no-wait']);
    expect(norm('job', 'run', '--wait=F')).toEqual(['job', 'run', '--no-wait']);
  });

  it('turns --flag=true into --flag, and drops --flag=false of a flag that is off by default', () => {
    expect(norm('job', 'run', '--id-only=true')).toEqual(['job', 'run', '--id-only']);
    expect(norm('job', 'run', '--id-only=TRUE')).toEqual(['job', 'run', '--id-only']);
    expect(norm('job', 'run', '--id-only=false')).toEqual(['job', 'run']);
  });

  it('reads --no-x=false as x on', () => {
    expect(norm('job', 'run', '--no-style=true')).toEqual(['job', 'run', '--no-style']);
    expect(norm('job', 'run', '--no-style=false')).toEqual(['job', 'run']);
  });

  it('leaves value flags, other values, unknown flags and everything after -- alone', () => {
    expect(norm('--api-port=1', 'job', 'run', '-V', 'x=false', '--template-vars=a=true')).toEqual([
      '--api-port=1',
      'job',
      'run',
      '-V',
      'x=false',
      '--template-vars=a=true',
    ]);
    expect(norm('job', 'run', '--other=false')).toEqual(['job', 'run', '--other=false']);
    expect(norm('job', 'run', '--', '--wait=false')).toEqual(['job', 'run', '--', '--wait=false']);
  });

  it('refuses a boolean flag given a value that is not a boolean, in pflag\u2019s words', () => {
    const cases: [string, string, string][] = [
      ['--wait=maybe', '--wait', 'maybe'],
      ['--id-only=', '--id-only', ''],
      ['--no-style=yes', '--no-style', 'yes'],
    ];
    for (const [arg, flag, value] of cases) {
      expect(() => norm('job', 'run', arg)).toThrow(
        `invalid argument ${JSON.stringify(value)} for "${flag}" flag: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`,
      );
    }
  });

  it('only knows the flags of the commands named', () => {
    expect(norm('--wait=false', 'job')).toEqual(['--wait=false', 'job']);
  });
});
