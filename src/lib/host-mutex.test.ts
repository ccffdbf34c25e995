import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { HostMutexTimeout, withHostMutex } from './host-mutex.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Another process holding the lock `name` (bound as withHostMutex binds it), until it is killed. */
async function holdInOtherProcess(name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [
    '-e',
    `require('node:net').createServer().listen({ path: '\\0' + process.argv[1], exclusive: true }, () => console.log('held'))`,
    name,
  ]);
  children.push(child);
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  expect(line.toString()).toBe('held\n');
  return child;
}

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(process.platform === 'linux')('withHostMutex', () => {
  it('waits while another process holds the lock, and takes it once that process is killed', async () => {
    const name = `host-mutex-test-${randomUUID()}`;
    const other = await holdInOtherProcess(name);
    let ran = false;
    const held = withHostMutex(
      name,
      () => {
        ran = true;
        return Promise.resolve('done');
      },
      30_000,
    );
    await tick(200);
    expect(ran).toBe(false);
    other.kill('SIGKILL'); // the kernel lets the name go with the process: no stale lock
    await expect(held).resolves.toBe('done');
  });

  it('keeps another process out while it is held, and lets it in once released', async () => {
    const name = `host-mutex-test-${randomUUID()}`;
    await withHostMutex(
      name,
      async () => {
        const child = spawn(process.execPath, [
          '-e',
          `require('node:net').createServer().on('error', (e) => console.log(e.code)).listen({ path: '\\0' + process.argv[1], exclusive: true }, () => console.log('bound'))`,
          name,
        ]);
        children.push(child);
        const [line] = (await once(child.stdout, 'data')) as [Buffer];
        expect(line.toString()).toBe('EADDRINUSE\n');
      },
      30_000,
    );
    const other = await holdInOtherProcess(name);
    other.kill('SIGKILL');
  });

  it('gives up once the wait is over, without running its function', async () => {
    const name = `host-mutex-test-${randomUUID()}`;
    await holdInOtherProcess(name);
    let ran = false;
    await expect(
      withHostMutex(
        name,
        () => {
          ran = true;
          return Promise.resolve();
        },
        300,
      ),
    ).rejects.toBeInstanceOf(HostMutexTimeout);
    expect(ran).toBe(false);
  });

  it('runs the holders of one process one at a time, in order, a failing one included', async () => {
    const name = `host-mutex-test-${randomUUID()}`;
    const events: string[] = [];
    const holder = (id: string, fail = false) =>
      withHostMutex(
        name,
        async () => {
          events.push(`${id} in`);
          await tick(20);
          events.push(`${id} out`);
          if (fail) throw new Error(id);
        },
        30_000,
      );
    const runs = [holder('a'), holder('b', true), holder('c')];
    const outcomes = await Promise.allSettled(runs);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });
});
