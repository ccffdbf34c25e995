import { describe, expect, it } from 'vitest';
import { resources, testExecution, testJob } from '../transport/testing/index.js';
import { ExecutorBuffer } from './executor-buffer.js';

/** A buffer on a node of `cpu` cores whose runs last until the test ends them. */
function buffer(cpu: number) {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const executor = new ExecutorBuffer({
    capacity: () => resources({ CPU: cpu, Memory: 2 ** 30 }),
    run: (execution) =>
      new Promise<void>((resolve) => {
        started.push(execution.ID);
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
  return { executor, started, finish };
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
