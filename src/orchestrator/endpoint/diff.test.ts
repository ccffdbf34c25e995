import { describe, expect, it } from 'vitest';
import { emptyJob, type Job } from '../../models/job.js';
import { compareJobs } from './diff.js';

function job(overrides: Partial<Job> = {}, task: Record<string, unknown> = {}): Job {
  return {
    ...emptyJob(),
    ID: 'j-1',
    Name: 'web',
    Namespace: 'default',
    Type: 'batch',
    Count: 1,
    Tasks: [{ Name: 'main', Engine: { Type: 'docker', Params: { Image: 'busybox:1.36' } }, ...task }],
    ...overrides,
  };
}

describe('compareJobs', () => {
  it('is empty for equivalent specs', () => {
    expect(compareJobs(job(), job())).toBe('');
  });

  it('ignores identity, state, versions and times', () => {
    const stored = job({
      ID: 'j-1',
      State: { StateType: 'Completed', Message: 'done' },
      Version: 3,
      Revision: 9,
      CreateTime: 1,
      ModifyTime: 2,
    });
    expect(compareJobs(stored, job({ ID: 'j-2' }))).toBe('');
  });

  it('ignores reserved meta keys, in the job and in its tasks', () => {
    const a = job(
      { Meta: { 'bacalhau.org/requester.id': 'n-1', team: 'x' } },
      { Meta: { 'bacalhau.org/a': '1' } },
    );
    const b = job({ Meta: { 'bacalhau.org/client.instance.id': 'c', team: 'x' } });
    expect(compareJobs(a, b)).toBe('');
  });

  it('compares resources case-insensitively', () => {
    expect(
      compareJobs(
        job({}, { Resources: { CPU: '500M', Memory: '1GB' } }),
        job({}, { Resources: { CPU: '500m', Memory: '1gb' } }),
      ),
    ).toBe('');
  });

  it('treats absent fields and their zero values alike', () => {
    const explicit = job(
      {},
      { Timeouts: { ExecutionTimeout: 0 }, Env: {}, Publisher: { Type: '', Params: {} }, InputSources: [] },
    );
    expect(compareJobs(job(), explicit)).toBe('');
  });

  it('reports each difference with its path, existing value first', () => {
    const existing = job({ Count: 1, Labels: { a: '1', gone: 'x' } }, { Env: { MODE: 'slow' } });
    const updated = job(
      { Count: 3, Labels: { a: '2', 'app.kubernetes.io/name': 'web' } },
      { Engine: { Type: 'docker', Params: { Image: 'busybox:1.37.0' } }, Env: { MODE: 'slow' } },
    );
    expect(compareJobs(existing, updated)).toBe(
      [
        '- Count: 1',
        '+ Count: 3',
        '- Labels.a: "1"',
        '+ Labels.a: "2"',
        '- Labels.gone: "x"',
        '+ Labels["app.kubernetes.io/name"]: "web"',
        '- Tasks[0].Engine.Params.Image: "busybox:1.36"',
        '+ Tasks[0].Engine.Params.Image: "busybox:1.37.0"',
        '',
      ].join('\n'),
    );
  });

  it('reports list elements added and removed', () => {
    const a = job({ Constraints: [{ Key: 'zone', Operator: '=', Values: ['a'] }] });
    const b = job({
      Constraints: [
        { Key: 'zone', Operator: '=', Values: ['a'] },
        { Key: 'gpu', Operator: 'exists' },
      ],
    });
    expect(compareJobs(a, b)).toBe('+ Constraints[1]: {"Key":"gpu","Operator":"exists"}\n');
    expect(compareJobs(b, a)).toBe('- Constraints[1]: {"Key":"gpu","Operator":"exists"}\n');
  });

  it('reports a changed type', () => {
    expect(compareJobs(job(), job({ Type: 'service' }))).toBe('- Type: "batch"\n+ Type: "service"\n');
  });

  it('does not modify its arguments', () => {
    const a = job({ Meta: { 'bacalhau.org/x': '1' } }, { Resources: { CPU: '1M' } });
    const copy = structuredClone(a);
    compareJobs(a, job());
    expect(a).toEqual(copy);
  });
});
