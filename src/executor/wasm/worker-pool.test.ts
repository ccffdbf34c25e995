import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { WorkerPool } from './worker-pool.js';

/** A worker as the pool sees it; `exit()` plays the thread ending (terminated or done). */
class FakeWorker extends EventEmitter {
  referenced = true;
  terminated = false;

  ref(): void {
    this.referenced = true;
  }
  unref(): void {
    this.referenced = false;
  }
  terminate(): Promise<number> {
    this.terminated = true;
    this.exit();
    return Promise.resolve(1);
  }
  exit(): void {
    this.emit('exit', 1);
  }
}

function pool(spares = 2) {
  const clock = new ManualClock();
  const spawned: FakeWorker[] = [];
  const workers = new WorkerPool({
    spawn: () => {
      const worker = new FakeWorker();
      spawned.push(worker);
      return worker;
    },
    spares,
    refillDelayMs: 20,
    idleMs: 60_000,
    clock,
  });
  /** A taken worker ends, and the refill delay passes. */
  const end = (worker: FakeWorker): void => {
    worker.exit();
    clock.advance(20);
  };
  return { workers, spawned, clock, end };
}

describe('WorkerPool', () => {
  it('starts no thread before the first take, then keeps spares once that worker ended', () => {
    const { workers, spawned, clock } = pool(2);
    expect(spawned).toHaveLength(0);
    const first = workers.take();
    // the first execution pays for its own worker; no spare boots while it runs
    expect(spawned).toEqual([first]);
    expect(workers.idle).toBe(0);
    first.exit();
    // nor right when it ends
    clock.advance(19);
    expect(workers.idle).toBe(0);
    clock.advance(1);
    expect(workers.idle).toBe(2);
    expect(spawned).toHaveLength(3);
  });

  it('hands out a pre-started spare, and never a worker that ended', () => {
    const { workers, spawned, end } = pool(1);
    const first = workers.take();
    end(first);
    const spare = spawned[1];
    const second = workers.take();
    expect(second).toBe(spare);
    expect(second).not.toBe(first);
    // taken: it now keeps the process alive while it runs
    expect(second.referenced).toBe(true);
    end(second);
    const third = workers.take();
    expect([first, second]).not.toContain(third);
  });

  it('hands a given-back worker out again, before older spares, and starts none for it', () => {
    const { workers, spawned, clock, end } = pool(2);
    end(workers.take());
    const reused = workers.take();
    const older = spawned[2];
    workers.giveBack(reused);
    clock.advance(1000);
    // idle again, and unreferenced like every spare
    expect(reused.referenced).toBe(false);
    expect(workers.idle).toBe(2);
    expect(workers.take()).toBe(reused);
    expect(workers.take()).toBe(older);
    expect(spawned).toHaveLength(3);
  });

  it('terminates a given-back worker when the pool already holds `spares` idle workers', () => {
    const { workers, spawned, end } = pool(1);
    const first = workers.take();
    const second = workers.take();
    end(first);
    workers.giveBack(second);
    expect(second.terminated).toBe(true);
    expect(workers.idle).toBe(1);
    expect(workers.take()).toBe(spawned[2]);
  });

  it('ignores a worker given back twice or never handed out', () => {
    const { workers } = pool(2);
    const worker = workers.take();
    workers.giveBack(worker);
    workers.giveBack(worker);
    workers.giveBack(new FakeWorker());
    expect(workers.idle).toBe(1);
  });
  it('keeps idle spares unreferenced, so they never keep the process alive', () => {
    const { workers, spawned, end } = pool(2);
    end(workers.take());
    expect(spawned.slice(1).map((w) => w.referenced)).toEqual([false, false]);
  });

  it('keeps at most `spares` idle workers, however many executions ended', () => {
    const { workers, end } = pool(2);
    const taken = [workers.take(), workers.take(), workers.take()];
    taken.forEach(end);
    expect(workers.idle).toBe(2);
  });

  it('starts a fresh worker for every take when spares is 0', () => {
    const { workers, spawned, end } = pool(0);
    end(workers.take());
    end(workers.take());
    expect(spawned).toHaveLength(2);
    expect(workers.idle).toBe(0);
  });

  it('drops a spare that dies while idle instead of handing it out', () => {
    const { workers, spawned, end } = pool(1);
    end(workers.take());
    const spare = spawned[1]!;
    spare.emit('error', new Error('boot failed'));
    spare.exit();
    expect(workers.idle).toBe(0);
    expect(workers.take()).not.toBe(spare);
  });

  it('terminates a given-back spare left unused for idleMs', () => {
    const { workers, clock } = pool(2);
    const worker = workers.take();
    workers.giveBack(worker);
    clock.advance(60_000);
    expect(worker.terminated).toBe(true);
    expect(workers.idle).toBe(0);
  });

  it('terminates spares left unused for idleMs', () => {
    const { workers, spawned, clock, end } = pool(2);
    end(workers.take());
    clock.advance(59_999);
    expect(workers.idle).toBe(2);
    clock.advance(1);
    expect(workers.idle).toBe(0);
    expect(spawned.slice(1).every((w) => w.terminated)).toBe(true);
  });

  it('terminates a worker given back after stop', async () => {
    const { workers } = pool(2);
    const worker = workers.take();
    await workers.stop();
    workers.giveBack(worker);
    expect(worker.terminated).toBe(true);
    expect(workers.idle).toBe(0);
  });

  it('starts no spare after stop, even for a worker that ended just before', async () => {
    const { workers, spawned, clock } = pool(2);
    workers.take().exit();
    await workers.stop();
    clock.advance(1000);
    expect(spawned).toHaveLength(1);
    expect(workers.idle).toBe(0);
  });

  it('terminates its spares on stop; later takes get fresh workers and leave no spare', async () => {
    const { workers, spawned, end } = pool(2);
    end(workers.take());
    await workers.stop();
    expect(spawned.slice(1).every((w) => w.terminated)).toBe(true);
    const late = workers.take();
    end(late);
    expect(spawned.at(-1)).toBe(late);
    expect(workers.idle).toBe(0);
    await workers.stop();
  });
});
