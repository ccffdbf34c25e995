/**
 * A gate between the executors of one process over the host folders that tasks share (local inputs).
 * While a Docker container with local inputs starts (docker/bind-guard.ts), no WASM task changes the
 * names in its mounted folders (a rename, a link, a removal): such a change could swap a folder on the
 * way of the container's input for a link to elsewhere between the input's last check and the mount.
 * Docker tasks that could do the same are paused meanwhile; WASM tasks run in this process's worker
 * threads, whose calls that change names wait at the gate (wasm/worker.ts).
 */

/** 1 while a start holds the gate; shared with every WASM worker of the process. */
export const localWriteGate = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

/**
 * Each WASM run's count of its name-changing calls under way. One count a run, not one for the
 * process: a worker terminated in the middle of such a call never counts it out, and its run's count
 * is forgotten once the thread is gone.
 */
const counts = new Set<Int32Array>();

/** A run's count of its name-changing calls under way, heeded by the gate until it is forgotten. */
export function localWriteCount(): { buffer: SharedArrayBuffer; forget: () => void } {
  const count = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  counts.add(count);
  return { buffer: count.buffer, forget: () => void counts.delete(count) };
}

const writing = (): boolean => [...counts].some((count) => Atomics.load(count, 0) !== 0);

/** Runs `fn` with the gate held, once the calls already under way have ended. */
export async function withLocalWritesHeld<T>(fn: () => Promise<T>): Promise<T> {
  Atomics.store(localWriteGate, 0, 1);
  try {
    while (writing()) await new Promise((resolve) => setTimeout(resolve, 1));
    return await fn();
  } finally {
    Atomics.store(localWriteGate, 0, 0);
    Atomics.notify(localWriteGate, 0);
  }
}
