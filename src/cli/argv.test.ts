import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { normalizeGoFlags } from './argv.js';

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

describe('normalizeGoFlags', () => {
  const norm = (...args: string[]): string[] => normalizeGoFlags(program(), args);

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

describe("normalizeGoFlags: pflag's -x=value", () => {
  const norm = (...args: string[]): string[] =>
    normalizeGoFlags(
      program().addCommand(new Command('docker').option('-e, --env <kv>').option('-f, --follow')),
      args,
    );

  it('gives a value shorthand what follows the =, all of it', () => {
    expect(norm('docker', '-e=FOO=bar', '-e=', 'img')).toEqual(['docker', '-e', 'FOO=bar', '-e', '', 'img']);
    expect(norm('job', 'run', '-V=x=1')).toEqual(['job', 'run', '-V', 'x=1']);
  });

  it('reads a boolean shorthand with a value as its long form', () => {
    expect(norm('docker', '-f=true', 'img')).toEqual(['docker', '--follow', 'img']);
    expect(norm('docker', '-f=0', 'img')).toEqual(['docker', 'img']);
    expect(() => norm('docker', '-f=maybe')).toThrow('invalid argument "maybe" for "--follow" flag');
  });

  it('leaves unknown shorthands, shorthands of commands not named and everything after -- alone', () => {
    expect(norm('docker', '-z=1', 'img', '--', '-e=x')).toEqual(['docker', '-z=1', 'img', '--', '-e=x']);
    expect(norm('job', 'run', '-e=x')).toEqual(['job', 'run', '-e=x']);
  });
});

describe('normalizeGoFlags: values that look like flags', () => {
  const norm = (...args: string[]): string[] =>
    normalizeGoFlags(
      program()
        .addOption(new Option('-c, --config <file>'))
        .addCommand(
          new Command('docker').option('-e, --env <kv>').option('--entrypoint <cmd>').option('-f, --follow'),
        ),
      args,
    );

  it("attaches a value starting with '-' to the flag that takes it, as pflag takes it whatever it looks like", () => {
    expect(norm('docker', '--entrypoint', 'sh', '--entrypoint', '-c', 'img')).toEqual([
      'docker',
      '--entrypoint',
      'sh',
      '--entrypoint=-c',
      'img',
    ]);
    expect(norm('docker', '-e', '-c', 'img')).toEqual(['docker', '--env=-c', 'img']);
    expect(norm('docker', '-e=-c', 'img')).toEqual(['docker', '--env=-c', 'img']);
    expect(norm('-c', '-x', 'docker')).toEqual(['--config=-x', 'docker']);
  });

  it('leaves booleans, a flag with nothing after it, -- and what follows it alone', () => {
    expect(norm('docker', '-f', '-e', 'A=1', 'img')).toEqual(['docker', '-f', '-e', 'A=1', 'img']);
    expect(norm('docker', 'img', '--entrypoint')).toEqual(['docker', 'img', '--entrypoint']);
    expect(norm('docker', '--entrypoint', '--', '-c')).toEqual(['docker', '--entrypoint', '--', '-c']);
    expect(norm('docker', 'img', '--', '-e', '-c')).toEqual(['docker', 'img', '--', '-e', '-c']);
  });
});
