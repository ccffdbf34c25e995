import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../../../../test/helpers/cli.js';

const repo = join(import.meta.dirname, '../../../..');
const jobs = join(repo, 'test/fixtures/jobs');

describe('bacalhau job validate', () => {
  it.each(readdirSync(join(jobs, 'valid')))('prints OK for valid/%s', async (file) => {
    const run = await cli(['job', 'validate', join(jobs, 'valid', file)]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('OK');
  });

  it('prints warnings before OK', async () => {
    const run = await cli(['job', 'validate', join(jobs, 'seeds/000-legacy-stable-diffusion.json')]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/legacy \(v0\) job spec/);
    expect(lines[3]).toBe('OK');
  });

  it('exits 1 with every problem when the job is invalid', async () => {
    const run = await cli(['job', 'validate', join(jobs, 'seeds/001-batch-execution-plan.json')]);
    expect(run.code).toBe(1);
    // Go's shape: the verdict and the link on stdout (its RunE), the cause on stderr (util.Fatal)
    expect(run.stdout).toBe(
      'Error: the job provided is invalid\nJob Specification: https://docs.bacalhau.org/cli-api/specifications/job\n\n',
    );
    expect(run.stderr).toMatch(/^\nError: unknown field: 'ExecutionPlan' in 'Job': .*\nmissing job tasks\n/);
  });

  it('says which field it ignored when a later check fails for want of it (Image beside Params)', async () => {
    const run = await cli(['job', 'validate', '-'], {
      stdin: 'Type: batch\nTasks:\n  - Name: main\n    Engine: {Type: docker, Image: busybox}\n',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^Warning: unknown field: 'Image' in 'SpecConfig' \(at Tasks\[0\]\.Engine\) is ignored.*\n\nError: invalid docker engine param: 'Image' cannot be empty/su,
    );
  });

  it('rejects an empty file', async () => {
    const run = await cli(['job', 'validate', join(jobs, 'invalid/empty.yaml')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^\nError: .*empty/);
  });

  it('names a missing file without a stack trace', async () => {
    const run = await cli(['job', 'validate', 'no-such-job.yaml'], { cwd: repo });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no-such-job\.yaml: no such file/);
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('reads standard input for "-"', async () => {
    const run = await cli(['job', 'validate', '-'], {
      stdin:
        '{"Type":"batch","Tasks":[{"Name":"main","Engine":{"Type":"docker","Params":{"Image":"busybox"}}}]}',
    });
    expect(run).toMatchObject({ code: 0, stdout: 'OK\n' });
  });

  it('warns of batch result paths without a publisher, and refuses them in a service job', async () => {
    const spec = (type: string): string =>
      JSON.stringify({
        Type: type,
        Tasks: [
          {
            Name: 'main',
            Engine: { Type: 'docker', Params: { Image: 'busybox' } },
            ResultPaths: [{ Name: 'out', Path: '/out' }],
          },
        ],
      });
    const batch = await cli(['job', 'validate', '-'], { stdin: spec('batch') });
    expect(batch).toMatchObject({
      code: 0,
      stdout:
        'task main: result paths and no publisher: the orchestrator refuses the job unless its ' +
        'JobDefaults.Batch.Task.Publisher names one (give the task a Publisher, e.g. Publisher: {Type: local})\nOK\n',
    });
    const service = await cli(['job', 'validate', '-'], { stdin: spec('service') });
    expect(service.code).toBe(1);
    expect(service.stderr).toBe(
      '\nError: task main validation failed: publisher must be set if result paths are set\n' +
        'Hint:  add a publisher to the task for its results (Publisher: {Type: local}, or -p local with docker run and wasm run)\n',
    );
  });

  it("refuses timeouts that, as written, do not fit their total timeout, with the store's message", async () => {
    const spec = (timeouts: object) =>
      JSON.stringify({
        Type: 'batch',
        Tasks: [
          { Name: 'main', Engine: { Type: 'docker', Params: { Image: 'busybox' } }, Timeouts: timeouts },
        ],
      });
    const run = await cli(['job', 'validate', '-'], {
      stdin: spec({ ExecutionTimeout: 100, TotalTimeout: 10 }),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'Error: task main validation failed: task timeouts validation failed: execution timeout 1m40s and ' +
        'queue timeout 0s should be less than total timeout 10s\n',
    );
    // fits, or left to the orchestrator's defaults: nothing to say offline
    for (const fits of [{ ExecutionTimeout: 5, TotalTimeout: 10 }, { ExecutionTimeout: 100 }]) {
      expect(await cli(['job', 'validate', '-'], { stdin: spec(fits) })).toMatchObject({
        code: 0,
        stdout: 'OK\n',
      });
    }
  });

  it("refuses the engine params a submission is refused for, with the orchestrator's message", async () => {
    const run = await cli(['job', 'validate', '-'], {
      stdin:
        '{"Type":"batch","Tasks":[{"Name":"main","Engine":{"Type":"docker","Params":{"Entrypoint":"echo"}}}]}',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Error: the job provided is invalid');
    expect(run.stderr).toBe(
      "\nError: invalid docker engine param: 'Image' cannot be empty\n" +
        `invalid docker engine param: 'Entrypoint' must be a list of strings, not a string ("echo")\n` +
        'Hint:  Fix Task.Engine.Params: Image is required; Entrypoint, Parameters and EnvironmentVariables ' +
        '("KEY=value", no BACALHAU_ prefix) are lists of strings; WorkingDirectory is an absolute path\n',
    );
  });

  it('leaves the params of a spec holding template actions to job run, which fills them in, as Go does', async () => {
    const spec = (image: string) =>
      `Type: batch\nTasks:\n  - Name: main\n    Engine: {Type: docker, Params: {Image: "${image}"}}\n`;
    const templated = await cli(['job', 'validate', '-'], { stdin: spec('{{.image}}') });
    expect(templated).toMatchObject({
      code: 0,
      stdout: 'OK\n',
      stderr:
        'Note: engine and input source params holding template actions ({{ }}) not checked: ' +
        'job run fills them in (--template-vars, --template-envs)\n',
    });
    // without one the params are checked: the same value is refused
    const plain = await cli(['job', 'validate', '-'], { stdin: spec('{.image}') });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(`'Image' ("{.image}") is not an image reference Docker takes`);
  });

  it('still checks the params that hold no template action in a spec that has some', async () => {
    const run = await cli(['job', 'validate', '-'], {
      stdin:
        'Type: batch\nTasks:\n  - Name: main\n    Engine:\n      Type: docker\n' +
        '      Params: {Image: "BAD::IMAGE", Parameters: ["{{.greeting}}"]}\n',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`'Image' ("BAD::IMAGE") is not an image reference Docker takes`);
    expect(run.stderr).not.toContain('Note:');
  });

  it('refuses an input source without its required param (inline Content instead of URL)', async () => {
    const run = await cli(['job', 'validate', '-'], {
      stdin: JSON.stringify({
        Type: 'batch',
        Tasks: [
          {
            Name: 'main',
            Engine: { Type: 'docker', Params: { Image: 'busybox' } },
            InputSources: [{ Source: { Type: 'inline', Params: { Content: 'hello' } }, Target: '/in' }],
          },
        ],
      }),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'Error: Tasks[0].InputSources[0].Source.Params.URL is missing: the inline input source needs it',
    );
  });

  it('validates several files, failing if any is invalid', async () => {
    const run = await cli([
      'job',
      'validate',
      join(jobs, 'valid/docker.yaml'),
      join(jobs, 'seeds/001-gradual-scale.json'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('docker.yaml:\nOK\n');
    expect(run.stderr).toContain('task  validation failed: missing task name');
  });

  it('explains itself with --help', async () => {
    const run = await cli(['job', 'validate', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: bacalhau job validate');
    expect(run.stdout).toContain('JSON and YAML formats are accepted.');
  });
});

describe('bacalhau job validate on the seed specs', () => {
  const expectations: Record<string, RegExp> = {
    '000-legacy-stable-diffusion.json': /^OK$/m,
    '001-basic-structure.json': /^OK$/m,
    '001-batch-execution-plan.json': /unknown field: 'ExecutionPlan' in 'Job'/,
    '001-service-update-strategy.json': /unknown field: 'UpdateStrategy' in 'Job'/,
    '001-daemon-restart-policy.json': /unknown field: 'RestartPolicy' in 'Job'/,
    '001-robust-job-error-handling.json': /unknown field: 'ErrorHandling' in 'Job'/,
    '001-gradual-scale.json': /missing task name/,
    // nested fields Bacalhau ignores: valid, with a warning naming each
    '001-network-extras.json':
      /unknown field: 'EnableIPv6' in 'NetworkConfig'[^\n]* is ignored: [\s\S]*^OK$/m,
    '001-result-path-compression.json':
      /unknown field: 'Compression' in 'ResultPath'[^\n]* is ignored: [\s\S]*^OK$/m,
    '001-timeouts-quick-fail.json': /^OK$/m,
  };

  it('covers every seed fixture', () => {
    expect(readdirSync(join(jobs, 'seeds')).sort()).toEqual(Object.keys(expectations).sort());
  });

  it.each(Object.entries(expectations))('%s', async (file, expected) => {
    const run = await cli(['job', 'validate', join(jobs, 'seeds', file)]);
    expect(`${run.stdout}${run.stderr}`).toMatch(expected);
    expect(run.code).toBe(expected.source.endsWith('^OK$') ? 0 : 1);
  });
});
