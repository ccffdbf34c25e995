import { describe, expect, it } from 'vitest';
import { chain, submissionTransformers, type JobTransformer } from './index.js';
import { makeJob, taskOf } from './testing.js';

describe('chain', () => {
  it('runs transformers in order, each on the previous output', () => {
    const append =
      (s: string): JobTransformer =>
      (job) => ({ ...job, Name: job.Name + s });
    expect(chain(append('a'), append('b'), append('c'))(makeJob({ Name: '' })).Name).toBe('abc');
    const job = makeJob();
    expect(chain()(job)).toBe(job);
  });
});

describe('submissionTransformers', () => {
  const transform = submissionTransformers({
    nodeID: 'n-orchestrator',
    installationID: 'install-1',
    instanceID: 'instance-1',
    newJobID: () => 'j-00000000-0000-4000-8000-000000000001',
  });

  it("applies Bacalhau's chain: ID, name, meta, defaults, legacy WASM", () => {
    const job = transform(
      makeJob(
        { Name: '' },
        {
          Engine: {
            Type: 'wasm',
            Params: { EntryModule: { Source: { Type: 'inline', Params: { URL: 'data:,' } } } },
          },
        },
      ),
    );
    expect(job.ID).toBe('j-00000000-0000-4000-8000-000000000001');
    // NameOptional runs after IDGenerator, so a nameless job is named after its new ID.
    expect(job.Name).toBe(job.ID);
    expect(job.Meta).toEqual({
      'bacalhau.org/orchestrator.id': 'n-orchestrator',
      'bacalhau.org/requester.id': 'n-orchestrator',
      'bacalhau.org/server.installation.id': 'install-1',
      'bacalhau.org/server.instance.id': 'instance-1',
    });
    expect(taskOf(job).Resources).toEqual({ CPU: '500m', Memory: '512Mb' });
    expect(taskOf(job).InputSources?.map((i) => i.Target)).toEqual(['/wasm/entry.wasm']);
  });

  it('uses the configured job defaults', () => {
    const custom = submissionTransformers({
      nodeID: 'n-1',
      jobDefaults: {
        Batch: {
          Priority: 3,
          Task: {
            Resources: { CPU: '2', Memory: '1Gi', Disk: '', GPU: '' },
            Publisher: { Type: 'noop', Params: {} },
            Timeouts: { ExecutionTimeout: '10s', TotalTimeout: '1m0s' },
          },
        },
        Ops: {
          Priority: 0,
          Task: {
            Resources: { CPU: '', Memory: '', Disk: '', GPU: '' },
            Publisher: { Type: '', Params: {} },
            Timeouts: { ExecutionTimeout: '0s', TotalTimeout: '0s' },
          },
        },
        Service: { Priority: 0, Task: { Resources: { CPU: '', Memory: '', Disk: '', GPU: '' } } },
        Daemon: { Priority: 0, Task: { Resources: { CPU: '', Memory: '', Disk: '', GPU: '' } } },
      },
    });
    const job = custom(makeJob());
    expect(job.Priority).toBe(3);
    expect(taskOf(job)).toMatchObject({
      Resources: { CPU: '2', Memory: '1Gi' },
      Publisher: { Type: 'noop', Params: {} },
      Timeouts: { ExecutionTimeout: 10, TotalTimeout: 60 },
    });
    expect(job.Meta).toEqual({
      'bacalhau.org/orchestrator.id': 'n-1',
      'bacalhau.org/requester.id': 'n-1',
    });
  });
});
