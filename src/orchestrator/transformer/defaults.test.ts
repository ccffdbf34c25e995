import { describe, expect, it } from 'vitest';
import { BacalhauError } from '../../models/bacerrors.js';
import {
  builtinJobDefaults,
  compileJobDefaults,
  defaultsApplier,
  type JobDefaultsConfig,
} from './defaults.js';
import { makeJob, taskOf } from './testing.js';

/** Bacalhau's defaults with the batch (and ops) task section replaced. */
function configWith(task: Partial<JobDefaultsConfig['Batch']['Task']>, priority = 0): JobDefaultsConfig {
  const base = builtinJobDefaults();
  const batch = { Priority: priority, Task: { ...base.Batch.Task, ...task } };
  return {
    ...base,
    Batch: batch,
    Ops: batch,
    Service: { ...base.Service, Priority: priority },
    Daemon: { ...base.Daemon, Priority: priority },
  };
}

describe('builtinJobDefaults', () => {
  it("are Bacalhau's: 500m CPU and 512Mb memory for every type, nothing else", () => {
    const defaults = builtinJobDefaults();
    for (const type of ['Batch', 'Ops', 'Service', 'Daemon'] as const) {
      expect(defaults[type].Priority).toBe(0);
      expect(defaults[type].Task.Resources).toEqual({ CPU: '500m', Memory: '512Mb', Disk: '', GPU: '' });
    }
    expect(defaults.Batch.Task.Publisher).toEqual({ Type: '', Params: {} });
    expect(defaults.Batch.Task.Timeouts).toEqual({ TotalTimeout: '0s', ExecutionTimeout: '0s' });
  });
});

describe('defaultsApplier', () => {
  it.each(['batch', 'ops', 'service', 'daemon'])('gives a %s task without resources 500m / 512Mb', (type) => {
    const job = defaultsApplier()(makeJob({ Type: type }));
    expect(taskOf(job).Resources).toEqual({ CPU: '500m', Memory: '512Mb' });
  });

  it('fills only the resources the task leaves empty', () => {
    const apply = defaultsApplier(
      compileJobDefaults(configWith({ Resources: { CPU: '1', Memory: '1Gb', Disk: '10Gb', GPU: '1' } })),
    );
    const job = apply(makeJob({}, { Resources: { CPU: '250m', Memory: '' } }));
    expect(taskOf(job).Resources).toEqual({ CPU: '250m', Memory: '1Gb', Disk: '10Gb', GPU: '1' });
  });

  it('sets the priority only when the job has none', () => {
    const apply = defaultsApplier(compileJobDefaults(configWith({}, 50)));
    expect(apply(makeJob({ Priority: 0 })).Priority).toBe(50);
    expect(apply(makeJob({ Priority: 7 })).Priority).toBe(7);
    expect(apply(makeJob({ Type: 'daemon' })).Priority).toBe(50);
  });

  it('gives batch and ops tasks without a publisher the configured one', () => {
    const apply = defaultsApplier(
      compileJobDefaults(configWith({ Publisher: { Type: ' local ', Params: { Port: '6001' } } })),
    );
    for (const type of ['batch', 'ops']) {
      expect(taskOf(apply(makeJob({ Type: type }))).Publisher).toEqual({
        Type: 'local',
        Params: { Port: '6001' },
      });
      expect(taskOf(apply(makeJob({ Type: type }, { Publisher: { Type: '' } }))).Publisher).toEqual({
        Type: 'local',
        Params: { Port: '6001' },
      });
    }
  });

  it('keeps a publisher the task names, and gives service and daemon tasks none', () => {
    const apply = defaultsApplier(
      compileJobDefaults(configWith({ Publisher: { Type: 'local', Params: {} } })),
    );
    expect(taskOf(apply(makeJob({}, { Publisher: { Type: 's3' } }))).Publisher).toEqual({ Type: 's3' });
    expect(taskOf(apply(makeJob({ Type: 'service' }))).Publisher).toBeUndefined();
    expect(taskOf(apply(makeJob({ Type: 'daemon' }))).Publisher).toBeUndefined();
  });

  it('leaves the publisher alone when none is configured', () => {
    expect(taskOf(defaultsApplier()(makeJob())).Publisher).toBeUndefined();
  });

  it('gives batch and ops tasks the configured execution and total timeouts, in whole seconds', () => {
    const apply = defaultsApplier(
      compileJobDefaults(configWith({ Timeouts: { ExecutionTimeout: '1m30.9s', TotalTimeout: '1h0m0s' } })),
    );
    expect(taskOf(apply(makeJob({ Type: 'ops' }))).Timeouts).toEqual({
      ExecutionTimeout: 90,
      TotalTimeout: 3600,
    });
    // Only values ≤ 0 are replaced; QueueTimeout is never defaulted.
    expect(
      taskOf(apply(makeJob({}, { Timeouts: { ExecutionTimeout: 10, QueueTimeout: 5, TotalTimeout: 0 } })))
        .Timeouts,
    ).toEqual({ ExecutionTimeout: 10, QueueTimeout: 5, TotalTimeout: 3600 });
    expect(taskOf(apply(makeJob({ Type: 'service' }))).Timeouts).toBeUndefined();
  });

  it('does not modify its argument', () => {
    const input = makeJob();
    defaultsApplier()(input);
    expect(taskOf(input).Resources).toBeUndefined();
    expect(input.Priority).toBe(0);
  });

  it('refuses a job type it does not know', () => {
    expect(() => defaultsApplier()(makeJob({ Type: 'cron' }))).toThrowError(
      expect.objectContaining({ message: 'unknown job type: cron', code: 'ValidationError' }),
    );
  });

  it('refuses a config timeout that is not a Go duration when compiled', () => {
    const compile = () =>
      compileJobDefaults(configWith({ Timeouts: { ExecutionTimeout: '10 minutes', TotalTimeout: '0s' } }));
    expect(compile).toThrowError(BacalhauError);
    expect(compile).toThrowError(
      'JobDefaults.Batch.Task.Timeouts.ExecutionTimeout: time: unknown unit " minutes" in duration "10 minutes"',
    );
  });

  it('compiles to a frozen value', () => {
    const compiled = compileJobDefaults();
    expect(Object.isFrozen(compiled)).toBe(true);
    expect(Object.isFrozen(compiled.batch)).toBe(true);
    expect(Object.isFrozen(compiled.batch.resources)).toBe(true);
  });
});
