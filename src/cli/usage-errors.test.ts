import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../../test/helpers/cli.js';

/** What cobra and pflag print for each mistake, through Bacalhau's util.Fatal (`\nError: …`). */
describe('usage errors in the words of Bacalhau (cobra, pflag)', () => {
  const cases: [string[], string][] = [
    [['job', 'list', '--foo'], 'unknown flag: --foo'],
    [['job', 'list', '--foo=1'], 'unknown flag: --foo'],
    [['job', 'list', '-z'], "unknown shorthand flag: 'z' in -z"],
    [
      ['job', 'list', '--limit', 'abc'],
      'invalid argument "abc" for "--limit" flag: strconv.ParseUint: parsing "abc": invalid syntax\n' +
        'Hint:  --limit: Limit the number of results returned',
    ],
    // --limit is a uint32, as in Go: past 2^32 - 1 the number is out of range, a negative one is no uint
    [
      ['job', 'list', '--limit', '4294967296'],
      'invalid argument "4294967296" for "--limit" flag: strconv.ParseUint: parsing "4294967296": value out of range\n' +
        'Hint:  --limit: Limit the number of results returned',
    ],
    [
      ['job', 'list', '--limit', '-1'],
      'invalid argument "-1" for "--limit" flag: strconv.ParseUint: parsing "-1": invalid syntax\n' +
        'Hint:  --limit: Limit the number of results returned',
    ],
    [
      ['docker', 'run', '--timeout', '99999999999999999999', 'ubuntu'],
      'invalid argument "99999999999999999999" for "--timeout" flag: strconv.ParseInt: parsing "99999999999999999999": value out of range\n' +
        'Hint:  --timeout: Job execution timeout in seconds (e.g. 300 for 5 minutes)',
    ],
    [
      ['wasm', 'run', 'no/such/module.wasm'],
      'no/such/module.wasm: no such file\n' +
        'Hint:  The entry module is a local .wasm file, a storage URI (https://…, s3://…) or the target path of a module added with --input',
    ],
    [['job', 'list', '--limit'], 'flag needs an argument: --limit'],
    // -v is Bacalhau's own uint flag type (util.UintValue), with its own words
    [
      ['job', 'describe', 'j-1', '-v', '-1'],
      `invalid argument "-1" for "-v, --version" flag: '-1' is not a valid number: please provide a positive integer\n` +
        'Hint:  --version: The job version to filter by. By default, the latest version is used.',
    ],
    [['job', 'describe'], 'accepts 1 arg(s), received 0'],
    [['job', 'describe', 'a', 'b'], 'accepts 1 arg(s), received 2'],
    [['docker', 'run'], 'requires at least 1 arg(s), only received 0'],
    // cobra.NoArgs takes an operand for a subcommand it does not have
    [['job', 'list', 'x'], 'unknown command "x" for "bacalhau job list"'],
    [['agent', 'alive', 'x', 'y'], 'unknown command "x" for "bacalhau agent alive"'],
    // cobra.MinimumNArgs(1)
    [['job', 'rerun'], 'requires at least 1 arg(s), only received 0'],
    [
      ['job', 'list', '--output', 'xml'],
      'invalid argument "xml" for "--output" flag: should be one of ["table" "csv" "json" "yaml"]\n' +
        'Hint:  --output: The output format for the command (one of ["table" "csv" "json" "yaml"])',
    ],
  ];

  it.each(cases)('%j', async (args, message) => {
    expect(await cli(args)).toEqual({ code: 1, stdout: '', stderr: `\nError: ${message}\n` });
  });

  it('names the flag pflag-style with its shorthand, with its help or a suggestion as the hint', async () => {
    expect((await cli(['job', 'run', '-V', 'x', 'job.yaml'])).stderr).toBe(
      '\nError: invalid argument "x" for "-V, --template-vars" flag: x must be formatted as key=value\n' +
        'Hint:  --template-vars: Replace a placeholder in the job spec with a value. e.g. --template-vars foo=bar\n',
    );
    // pflag's reason is the parser's: the flag's help says what it takes
    expect((await cli(['docker', 'run', '--timeout', '1h', 'ubuntu'])).stderr).toBe(
      '\nError: invalid argument "1h" for "--timeout" flag: strconv.ParseInt: parsing "1h": invalid syntax\n' +
        'Hint:  --timeout: Job execution timeout in seconds (e.g. 300 for 5 minutes)\n',
    );
    expect((await cli(['job', 'run', '--forc', 'job.yaml'])).stderr).toBe(
      '\nError: unknown flag: --forc\nHint:  Did you mean --force?\n',
    );
    // flags Bacalhau v1.7 removed: their replacements, in the words of v1.5's deprecation messages
    expect((await cli(['job', 'list', '--repo=/tmp/old'])).stderr).toBe(
      '\nError: unknown flag: --repo\n' +
        'Hint:  Use --data-dir=<path> to set this configuration (--repo was removed in Bacalhau v1.7)\n',
    );
    expect((await cli(['serve', '--node-type', 'requester'])).stderr).toBe(
      '\nError: unknown flag: --node-type\n' +
        'Hint:  Use --orchestrator and/or --compute to set the node type (--node-type was removed in Bacalhau v1.7)\n',
    );
    expect((await cli(['config', 'list', '--output', 'xml'])).stderr).toMatch(
      /^\nError: invalid argument "xml" for "(-o, )?--output" flag: /,
    );
    expect((await cli(['completion', 'tcsh'])).stderr).toBe(
      '\nError: invalid argument "tcsh" for "bacalhau completion"\nHint:  unsupported shell "tcsh": one of bash, fish, zsh\n',
    );
  });

  it('lets through the operands Go ignores (config list, job rerun after its ID, serve, devstack)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'usage-errors-'));
    try {
      const list = await cli(['config', 'list', 'x', '--output', 'json', '--data-dir', dataDir]);
      expect(list).toMatchObject({ code: 0, stderr: '' });
      // no server answers: the operands passed, the request failed
      const rerun = await cli(['job', 'rerun', 'j-1', 'x', '--api-port', '1']);
      expect(rerun.stderr).toContain('Error: server is not running or not reachable');
      const serve = await cli(['serve', 'x', '-c', 'API.Prot=1', '--data-dir', dataDir]);
      expect(serve.stderr).toContain('"API.Prot" is not a valid config key');
      const devstack = await cli(['devstack', 'x', '-c', 'API.Prot=1', '--data-dir', dataDir]);
      expect(devstack.stderr).toContain('"API.Prot" is not a valid config key');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("prints a check made when the command runs as it is, as Go's RunE errors", async () => {
    expect((await cli(['node', 'list', '--filter-status', 'x'])).stderr).toBe(
      `\nError: cannot use 'x' as filter-status value, should be one of: ["connected" "disconnected"]\n`,
    );
  });
});
