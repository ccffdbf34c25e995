import { describe, expect, it } from 'vitest';
import type { Execution, Resources } from '../models/index.js';
import { resources, testExecution, testJob } from '../transport/testing/index.js';
import { ExecutorBuffer } from './executor-buffer.js';

/**
 * A buffer on a node of `cpu` cores (or of the capacity given) whose runs last until the test ends
 * them; `started` lists the runs' IDs in order, `runs` the executions they were given.
 */
function buffer(cpu: number | Resources) {
  const started: string[] = [];
  const runs = new Map<string, Execution>();
  const finishers = new Map<string, () => void>();
  const capacity = typeof cpu === 'number' ? resources({ CPU: cpu, Memory: 2 ** 30 }) : cpu;
  const executor = new ExecutorBuffer({
    capacity: () => capacity,
    run: (execution) =>
      new Promise<void>((resolve) => {
        started.push(execution.ID);
        runs.set(execution.ID, execution);
        finishers.set(execution.ID, resolve);
      }),
    onError: (error) => {
      throw error;
    },
  });
  /** Ends a run, then lets the buffer start what now fits. */
  const finish = async (id: string): Promise<void> => {
    finishers.get(id)?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { executor, started, runs, finish };
}

const execution = (id: string, cpu: number, priority = 0) =>
  testExecution({ id, cpu, job: { ...testJob(), Priority: priority } });

describe('ExecutorBuffer', () => {
  it('starts what fits and queues the rest, by priority, then arrival', async () => {
    const { executor, started, finish } = buffer(1);
    executor.enqueue(execution('e-run', 1));
    executor.enqueue(execution('e-low-1', 1));
    executor.enqueue(execution('e-high-1', 1, 5));
    executor.enqueue(execution('e-low-2', 1));
    executor.enqueue(execution('e-high-2', 1, 5));
    expect(started).toEqual(['e-run']);
    expect(executor.queuedCount).toBe(4);
    for (const id of ['e-run', 'e-high-1', 'e-high-2', 'e-low-1']) await finish(id);
    expect(started).toEqual(['e-run', 'e-high-1', 'e-high-2', 'e-low-1', 'e-low-2']);
  });

  it('gives back all of the CPU after fractional runs: a task asking for the whole node still starts', async () => {
    // in float arithmetic 0.2 + 0.4 + 0.3 taken back leaves 1.7e-16 of a core in use: the task passed
    // the bid (1 <= 1), then waited for ever on an idle node (1 + 1.7e-16 > 1)
    const { executor, started, finish } = buffer(1);
    for (const [id, cpu] of [
      ['e-a', 0.2],
      ['e-b', 0.4],
      ['e-c', 0.3],
    ] as const)
      executor.enqueue(execution(id, cpu));
    for (const id of ['e-a', 'e-b', 'e-c']) await finish(id);
    expect(executor.usedCapacity.CPU).toBe(0);
    executor.enqueue(execution('e-whole', 1));
    expect(started).toContain('e-whole');
  });

  it('lets a small execution overtake a big one that does not fit yet', async () => {
    const { executor, started, finish } = buffer(2);
    executor.enqueue(execution('e-a', 1.5));
    executor.enqueue(execution('e-big', 1));
    executor.enqueue(execution('e-small', 0.5));
    expect(started).toEqual(['e-a', 'e-small']);
    await finish('e-a');
    expect(started).toEqual(['e-a', 'e-small', 'e-big']);
  });

  it('knows and cancels queued executions, and refuses one twice', async () => {
    const { executor, started, finish } = buffer(1);
    executor.enqueue(execution('e-1', 1));
    executor.enqueue(execution('e-2', 1));
    executor.enqueue(execution('e-3', 1));
    expect(executor.has('e-2')).toBe(true);
    expect(() => executor.enqueue(execution('e-2', 1))).toThrow('execution e-2 already enqueued or running');
    await executor.cancel('e-2');
    expect(executor.has('e-2')).toBe(false);
    expect(executor.queuedCount).toBe(1);
    expect(executor.queuedCapacity.CPU).toBe(1);
    await finish('e-1');
    expect(started).toEqual(['e-1', 'e-3']);
  });

  it('works through a deep queue in order', async () => {
    const { executor, started, finish } = buffer(1);
    const ids = Array.from({ length: 3000 }, (_, i) => `e-${i}`);
    for (const [i, id] of ids.entries()) executor.enqueue(execution(id, 1, i % 3));
    const expected = [ids[0]!, ...[2, 1, 0].flatMap((p) => ids.slice(1).filter((_, i) => (i + 1) % 3 === p))];
    for (const id of expected.slice(0, -1)) await finish(id);
    expect(started).toEqual(expected);
    expect(executor.queuedCount).toBe(0);
  });
});

describe('ExecutorBuffer GPUs', () => {
  const gpu = (Index: number) => ({
    Index,
    Name: 'Tesla T4',
    Vendor: 'NVIDIA' as const,
    Memory: 15360,
    PCIAddress: `0000:0${Index}:00.0`,
  });
  const withGpus = (id: string, count: number) => {
    const base = testExecution({ id, cpu: 0.1 });
    return { ...base, AllocatedResources: { Tasks: { main: resources({ CPU: 0.1, GPU: count }) } } };
  };

  /** A node with `gpus` (counted, and listed when `inventory`); the GPUs each started run was given. */
  function gpuNode(gpus: number, inventory = true) {
    const list = Array.from({ length: gpus }, (_, i) => gpu(i));
    const node = buffer(resources({ CPU: 4, GPU: gpus, ...(inventory ? { GPUs: list } : {}) }));
    const given = () =>
      [...node.runs].map(([id, e]) => [id, e.AllocatedResources?.Tasks['main']?.GPUs?.map((g) => g.Index)]);
    return { ...node, given };
  }

  it('gives each execution particular free GPUs of the inventory, and takes them back at its end', async () => {
    const { executor, given, finish } = gpuNode(3);
    executor.enqueue(withGpus('e-1', 1));
    executor.enqueue(withGpus('e-2', 2));
    executor.enqueue(withGpus('e-3', 1));
    expect(given()).toEqual([
      ['e-1', [0]],
      ['e-2', [1, 2]],
    ]);
    expect(executor.queuedCount).toBe(1);
    await finish('e-2');
    expect(given().at(-1)).toEqual(['e-3', [1]]);
    expect(executor.usedCapacity.GPUs?.map((g) => g.Index)).toEqual([0, 1]);
    await finish('e-1');
    expect(executor.usedCapacity.GPUs?.map((g) => g.Index)).toEqual([1]);
  });

  it('passes the count alone on a node that has no inventory of its GPUs', () => {
    const { executor, given } = gpuNode(2, false);
    executor.enqueue(withGpus('e-1', 1));
    executor.enqueue(withGpus('e-2', 1));
    expect(given()).toEqual([
      ['e-1', undefined],
      ['e-2', undefined],
    ]);
  });
});
