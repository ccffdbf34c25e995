import { describe, expect, it } from 'vitest';
import { BacalhauError } from '../../models/index.js';
import { BatchServiceJobScheduler } from './batch-service.js';
import { DaemonJobScheduler } from './daemon.js';
import { OpsJobScheduler } from './ops.js';
import { createSchedulerRegistry, schedulerFor } from './registry.js';
import { created, input, job, numberedNodes, testOptions } from './testing.js';

describe('scheduler registry', () => {
  const registry = createSchedulerRegistry(testOptions({ queueBackoffMs: 5_000 }));

  it('maps each job type to its scheduler; batch and service share one', () => {
    expect(Object.keys(registry).sort()).toEqual(['batch', 'daemon', 'ops', 'service']);
    expect(registry.batch).toBeInstanceOf(BatchServiceJobScheduler);
    expect(registry.service).toBe(registry.batch);
    expect(registry.daemon).toBeInstanceOf(DaemonJobScheduler);
    expect(registry.ops).toBeInstanceOf(OpsJobScheduler);
    expect(Object.isFrozen(registry)).toBe(true);
  });

  it('shares one set of compiled options', () => {
    const batch = registry.batch as BatchServiceJobScheduler;
    expect(batch.options.queueBackoffMs).toBe(5_000);
    expect((registry.ops as OpsJobScheduler).options).toEqual(batch.options);
  });

  it('finds the scheduler for an evaluation type', () => {
    expect(schedulerFor(registry, 'daemon')).toBe(registry.daemon);
    const plan = schedulerFor(registry, 'ops').process(
      input({ job: job({ Type: 'ops', Count: 0 }), nodes: numberedNodes(2) }),
    );
    expect(created(plan)).toEqual(['node0#0 Running/New', 'node1#0 Running/New']);
  });

  it.each(['', 'Batch', 'unknown', 'constructor', '__proto__', 'toString'])(
    'refuses the unknown type %j with Go’s message',
    (type) => {
      expect(() => schedulerFor(registry, type)).toThrow(BacalhauError);
      expect(() => schedulerFor(registry, type)).toThrow(`scheduler not found for evaluation type: ${type}`);
    },
  );
});
