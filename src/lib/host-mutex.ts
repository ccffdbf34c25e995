/**
 * A lock that the processes of one host share: on Linux, a name in the abstract unix socket namespace,
 * which only one socket at a time can be bound to and which the kernel frees when the socket closes,
 * the process that held it killed included (no stale lock file to judge). The namespace is the network
 * namespace's: processes in different ones (one in a container with its own network) do not share it.
 * Elsewhere the lock holds between the callers of this process only.
 */
import { createServer, type Server } from 'node:net';

/** The holders of this process, in turn per name: the socket would refuse a second one anyway. */
const queues = new Map<string, Promise<unknown>>();

/** How long a waiter sleeps between tries while another process holds the name, at most. */
const MaxRetryMs = 10;

/** The lock was not had in time (`name` of the error: `HostMutexTimeout`). */
export class HostMutexTimeout extends Error {
  override name = 'HostMutexTimeout';
}

/**
 * Runs `fn` while holding the lock `name` (at most 107 bytes), taken within `waitMs` of the call.
 * @throws HostMutexTimeout when it was not
 */
export function withHostMutex<T>(name: string, fn: () => Promise<T>, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  const previous = queues.get(name) ?? Promise.resolve();
  const held = previous.then(async () => {
    const socket = await bind(name, deadline);
    try {
      return await fn();
    } finally {
      await new Promise<void>((resolve) => socket?.close(() => resolve()) ?? resolve());
    }
  });
  const settled = held.catch(() => undefined);
  queues.set(name, settled);
  // the queue's last entry goes once it settles, so the map does not grow with the names used
  void settled.then(() => {
    if (queues.get(name) === settled) queues.delete(name);
  });
  return held;
}

/** The name bound, once no other process holds it; undefined where there is no abstract namespace. */
async function bind(name: string, deadline: number): Promise<Server | undefined> {
  if (process.platform !== 'linux') return undefined;
  for (let delay = 1; ; delay = Math.min(delay * 2, MaxRetryMs)) {
    if (Date.now() > deadline) throw new HostMutexTimeout(`the lock ${name} was held elsewhere throughout`);
    const bound = await new Promise<Server | 'in use'>((resolve, reject) => {
      const server = createServer();
      server.once('error', (err: NodeJS.ErrnoException) =>
        err.code === 'EADDRINUSE' ? resolve('in use') : reject(err),
      );
      server.listen({ path: `\0${name}`, exclusive: true }, () => resolve(server));
    });
    if (bound !== 'in use') {
      bound.unref(); // a held lock does not keep the process alive
      return bound;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
