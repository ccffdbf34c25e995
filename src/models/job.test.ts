import { describe, expect, it } from 'vitest';
import {
  constraintWarnings,
  emptyJob,
  normalizeJob,
  sanitizeJobSubmission,
  validateJob,
  validateJobSubmission,
  type Job,
} from './job.js';
import type { Task } from './task.js';

function task(overrides: Partial<Task> = {}): Task {
  return { Name: 'main', Engine: { Type: 'docker', Params: { Image: 'busybox' } }, ...overrides };
}

function job(overrides: Partial<Job> = {}): Job {
  return { ...emptyJob(), Name: 'j', Type: 'batch', Count: 1, Tasks: [task()], ...overrides };
}

describe('validateJobSubmission', () => {
  it('accepts a minimal batch job', () => {
    expect(validateJobSubmission(job())).toEqual([]);
  });

  it.each<[string, Partial<Job>, string[]]>([
    ['missing type', { Type: '' }, ['missing job type']],
    ['unknown type', { Type: 'cron' }, ['invalid job type: "cron"']],
    ['negative count', { Count: -1 }, ['job count must be >= 0']],
    [
      'daemon with count 2',
      { Type: 'daemon', Count: 2 },
      ['daemon jobs cannot specify count > 1 as they run on all matching nodes'],
    ],
    [
      'ops with count 3',
      { Type: 'ops', Count: 3 },
      ['ops jobs cannot specify count > 1 as they run on all matching nodes'],
    ],
    ['daemon with count 1 is fine', { Type: 'daemon', Count: 1 }, []],
    ['batch with count 0 is fine', { Count: 0 }, []],
    ['no tasks', { Tasks: [] }, ['missing job tasks']],
  ])('%s', (_name, overrides, expected) => {
    expect(validateJobSubmission(job(overrides))).toEqual(expected);
  });

  it('reports every problem at once, in a stable order', () => {
    const problems = validateJobSubmission(
      job({
        Type: '',
        Count: -2,
        Constraints: [{ Key: '', Operator: '=', Values: ['x'] }],
        Tasks: [task({ Name: '', Engine: undefined, Env: { lower: 'x' } })],
      }),
    );
    expect(problems).toEqual([
      'missing job type',
      'job count must be >= 0',
      expect.stringMatching(/^constraint 1 validation failed: /),
      // as Go's errors.Join: the task's problems under its prefix once, a line each
      "task  validation failed: missing task name\nenvironment variable 'lower' must be uppercase\n" +
        'invalid engine: nil spec config',
    ]);
  });

  describe('task rules', () => {
    const cases: [string, Partial<Task>, string[]][] = [
      ['blank name', { Name: '  ' }, ['missing task name']],
      ['null character in name', { Name: 'a\u0000b' }, ['task name cannot contain null characters']],
      ['engine without type', { Engine: { Type: ' ' } }, ['invalid engine: missing spec type']],
      ['no engine', { Engine: undefined }, ['invalid engine: nil spec config']],
      ['empty publisher is allowed', { Publisher: { Type: '' } }, []],
      [
        'negative timeouts',
        { Timeouts: { ExecutionTimeout: -5, QueueTimeout: -60, TotalTimeout: -3600 } },
        [
          // Go prints the TotalTimeout here (-1h0m0s) by mistake; we print the value given.
          'invalid timeouts: invalid execution timeout value: -5s\ninvalid queue timeout value: -1m0s\n' +
            'invalid total timeout value: -1h0m0s',
        ],
      ],
      [
        'input source without target or source',
        { InputSources: [{ Alias: 'a', Target: '' }] },
        ['invalid input sources: input source is missing a target\ninvalid input source: nil spec config'],
      ],
      [
        'input source without type',
        { InputSources: [{ Source: { Type: '' }, Alias: '', Target: '/in' }] },
        ['invalid input sources: invalid input source: missing spec type'],
      ],
      [
        'result path problems',
        { ResultPaths: [{ Name: '', Path: 'relative' }] },
        ['invalid output: missing name\nresult path `relative` must be absolute'],
      ],
      [
        'result path names that are no plain folder names, or that a result file has',
        {
          ResultPaths: [
            { Name: '../x', Path: '/a' },
            { Name: '.', Path: '/b' },
            { Name: 'stdout', Path: '/c' },
          ],
        },
        [
          'invalid output: result path name `../x` must be a plain folder name: no "/", not "." or ".."\n' +
            'result path name `.` must be a plain folder name: no "/", not "." or ".."\n' +
            "result path name `stdout` is taken by the execution's own stdout file: choose another name",
        ],
      ],
      [
        'names and paths no node can make: a NUL, a folder name over 255 bytes',
        {
          ResultPaths: [
            { Name: 'a\u0000b', Path: '/a\u0000' },
            { Name: 'é'.repeat(128), Path: '/b' },
          ],
          InputSources: [{ Source: { Type: 'ipfs' }, Alias: '', Target: '/in\u0000' }],
        },
        [
          'invalid input sources: input source target cannot contain null characters',
          'invalid output: result path name cannot contain null characters\n' +
            'result path cannot contain null characters\n' +
            'result path name is 256 bytes long: a folder name takes at most 255',
        ],
      ],
      [
        'result path without path',
        { ResultPaths: [{ Name: 'out', Path: '' }] },
        ['invalid output: missing path\nresult path `` must be absolute'],
      ],
      [
        'duplicate input alias and target',
        {
          InputSources: [
            { Source: { Type: 'ipfs' }, Alias: 'data', Target: '/data' },
            { Source: { Type: 'ipfs' }, Alias: 'data', Target: '/data' },
          ],
        },
        ["input source with alias 'data' already exists", "input source with target '/data' already exists"],
      ],
      [
        'duplicate result name and path',
        {
          ResultPaths: [
            { Name: 'out', Path: '/out' },
            { Name: 'out', Path: '/out' },
          ],
        },
        ["result path with name 'out' already exists", "result path '/out' already exists"],
      ],
      [
        'empty aliases are not duplicates',
        {
          InputSources: [
            { Source: { Type: 'ipfs' }, Alias: '', Target: '/a' },
            { Source: { Type: 'ipfs' }, Alias: '', Target: '/b' },
          ],
        },
        [],
      ],
    ];
    it.each(cases)('%s', (_name, overrides, expected) => {
      const t = task(overrides);
      // as Go's errors.Join: the task's problems under its prefix once, a line each
      expect(validateJobSubmission(job({ Tasks: [t] }))).toEqual(
        expected.length === 0 ? [] : [`task ${t.Name} validation failed: ${expected.join('\n')}`],
      );
    });
  });

  describe('env var rules (env_var.go)', () => {
    it.each<[string, string, string]>([
      ['', 'x', 'environment variable name cannot be empty'],
      ['lower', 'x', "environment variable 'lower' must be uppercase"],
      ['1ABC', 'x', "environment variable '1ABC' must start with a letter"],
      ['_ABC', 'x', "environment variable '_ABC' must start with a letter"],
      ['A-B', 'x', "environment variable 'A-B' can only contain letters, numbers, and underscores"],
      ['BACALHAU_X', 'x', "environment variable 'BACALHAU_X' cannot start with BACALHAU_"],
      ['EMPTY', '', "environment variable 'EMPTY' cannot have empty value"],
    ])('%j=%j', (name, value, message) => {
      expect(validateJobSubmission(job({ Tasks: [task({ Env: { [name]: value } })] }))).toEqual([
        `task main validation failed: ${message}`,
      ]);
    });

    it('accepts literal values and env: references', () => {
      expect(validateJobSubmission(job({ Tasks: [task({ Env: { A_1: 'x', B: 'env:HOST_B' } })] }))).toEqual(
        [],
      );
    });

    it('reports every bad variable, sorted by name', () => {
      expect(validateJobSubmission(job({ Tasks: [task({ Env: { b: 'x', a: 'y' } })] }))).toEqual([
        "task main validation failed: environment variable 'a' must be uppercase\n" +
          "environment variable 'b' must be uppercase",
      ]);
    });
  });
});

describe('validateJob (before storing)', () => {
  const stored = (overrides: Partial<Job> = {}): Job =>
    job({ ID: 'j-1', Namespace: 'default', ...overrides });

  it('accepts a complete job', () => {
    expect(validateJob(stored())).toEqual([]);
  });

  it.each<[string, Partial<Job>, string[]]>([
    ['missing ID', { ID: '' }, ['missing job ID']],
    ['ID with a space', { ID: 'j 1' }, ['job ID contains a space']],
    ['ID with a null', { ID: 'j\u00001' }, ['job ID contains a null character']],
    ['missing name', { Name: ' ' }, ['missing job name']],
    ['name with a null', { Name: 'a\u0000' }, ['job Name contains a null character']],
    ['no namespace', { Namespace: '' }, ['job must be in a namespace']],
  ])('%s', (_name, overrides, expected) => {
    expect(validateJob(stored(overrides))).toEqual(expected);
  });

  it('requires a publisher when result paths are set', () => {
    const problems = validateJob(stored({ Tasks: [task({ ResultPaths: [{ Name: 'o', Path: '/o' }] })] }));
    expect(problems).toEqual(['task main validation failed: publisher must be set if result paths are set']);
  });

  it('checks that execution and queue timeouts fit in the total timeout', () => {
    const problems = validateJob(
      stored({ Tasks: [task({ Timeouts: { ExecutionTimeout: 60, QueueTimeout: 30, TotalTimeout: 80 } })] }),
    );
    expect(problems).toEqual([
      'task main validation failed: task timeouts validation failed: execution timeout 1m0s and queue timeout 30s ' +
        'should be less than total timeout 1m20s',
    ]);
    expect(
      validateJob(
        stored({ Tasks: [task({ Timeouts: { ExecutionTimeout: 60, QueueTimeout: 10, TotalTimeout: 70 } })] }),
      ),
    ).toEqual([]);
  });

  it('reports a negative timeout once, not twice as Go does', () => {
    const problems = validateJob(stored({ Tasks: [task({ Timeouts: { QueueTimeout: -1 } })] }));
    expect(problems).toEqual([
      'task main validation failed: invalid timeouts: invalid queue timeout value: -1s',
    ]);
  });
});

describe('normalizeJob', () => {
  it('defaults namespace and name, and zeroes Count for daemon and ops jobs', () => {
    const normalized = normalizeJob(job({ ID: 'j-1', Name: '', Namespace: '', Type: 'daemon', Count: 1 }));
    expect(normalized.Namespace).toBe('default');
    expect(normalized.Name).toBe('j-1');
    expect(normalized.Count).toBe(0);
  });

  it('initialises task parts, trims spec types and lower-cases resources', () => {
    const [normalized] = normalizeJob(
      job({ Tasks: [task({ Engine: { Type: ' docker ' }, Resources: { CPU: '500M', Memory: '1 GB' } })] }),
    ).Tasks;
    expect(normalized).toMatchObject({
      Engine: { Type: 'docker', Params: {} },
      Publisher: { Type: '', Params: {} },
      Env: {},
      Meta: {},
      InputSources: [],
      ResultPaths: [],
      Resources: { CPU: '500m', Memory: '1gb' },
      Network: { Type: 'Default' },
      Timeouts: {},
    });
  });

  it('keeps a missing engine missing so validation can name it', () => {
    const [normalized] = normalizeJob(job({ Tasks: [task({ Engine: undefined })] })).Tasks;
    expect(normalized?.Engine).toBeUndefined();
  });
});

describe('sanitizeJobSubmission', () => {
  it('drops server-managed fields with Go’s warnings, in Go’s order', () => {
    const { job: sanitized, warnings } = sanitizeJobSubmission(
      job({
        ID: 'j-x',
        State: { StateType: 'Running' },
        Revision: 3,
        Version: 2,
        CreateTime: 1,
        ModifyTime: 2,
        Tasks: [task(), task({ Name: 'second' })],
        Meta: { 'bacalhau.org/requester.id': 'n-1', mine: 'ok' },
      }),
    );
    expect(warnings).toEqual([
      'job state is ignored when submitting a job',
      'job revision is ignored when submitting a job',
      'job version is ignored when submitting a job',
      'job create time is ignored when submitting a job',
      'job modify time is ignored when submitting a job',
      'job ID is ignored when submitting a batch job',
      'only one task is supported per job',
      'job meta key "bacalhau.org/requester.id" is reserved and will be ignored',
    ]);
    expect(sanitized).toMatchObject({
      ID: '',
      State: { StateType: 'Undefined' },
      Revision: 0,
      Version: 0,
      CreateTime: 0,
      ModifyTime: 0,
      Meta: { mine: 'ok' },
    });
    expect(sanitized.Tasks).toHaveLength(1);
  });

  it('keeps the ID of service and daemon jobs', () => {
    const { job: sanitized, warnings } = sanitizeJobSubmission(job({ Type: 'service', ID: 'j-keep' }));
    expect(warnings).toEqual([]);
    expect(sanitized.ID).toBe('j-keep');
  });
});

describe('constraints', () => {
  it('applies exactly Bacalhau’s submission rules', () => {
    const problems = validateJobSubmission(
      job({
        Constraints: [
          { Key: ' ', Operator: '=', Values: ['a'] },
          { Key: 'zone', Operator: 'in' },
          { Key: 'gpu', Operator: 'exists', Values: ['x'] },
          { Key: 'ram', Operator: 'gt', Values: ['1', '2'] },
        ],
      }),
    );
    expect(problems).toEqual([
      'constraint 1 validation failed: selector key cannot be blank',
      'constraint 2 validation failed: selector values cannot be empty for In or NotIn operators',
      'constraint 3 validation failed: selector values must be empty for Exists or KeyNotInImap operators',
      'constraint 4 validation failed: selector values must have exactly one value for other operators',
    ]);
  });

  it('accepts, with a warning, a constraint the scheduler could never evaluate', () => {
    const spec = job({ Constraints: [{ Key: 'ram', Operator: 'gt', Values: ['lots'] }] });
    expect(validateJobSubmission(spec)).toEqual([]);
    expect(constraintWarnings(spec)).toEqual([
      expect.stringMatching(/^constraint 1 can never match a node: .*lots/),
    ]);
  });
});
