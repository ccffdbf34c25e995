/**
 * A gate between the executors of one process over the host folders that tasks share (local inputs).
 * While a Docker container with local inputs starts (docker/bind-guard.ts), no WASM task changes the
 * names in its mounted folders (a rename, a link, a removal): such a change could swap a folder on the
 * way of the container's input for a link to elsewhere between the input's last check and the mount.
 * Docker tasks that could do the same are paused meanwhile; WASM tasks run in this process's worker
 * threads, whose calls that change names wait at the gate (wasm/worker.ts).
 */

/** Slots of {@link localWriteGate}. */
export const LocalWriteSlot = {
  /** 1 while a start holds the gate. */
  Held: 0,
  /** How many name-changing calls of WASM tasks are under way. */
  Writing: 1,
} as const;

/** Shared with every WASM worker of the process. */
export const localWriteGate = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));

/** Runs `fn` with the gate held, once the calls already under way have ended. */
export async function withLocalWritesHeld<T>(fn: () => Promise<T>): Promise<T> {
  Atomics.store(localWriteGate, LocalWriteSlot.Held, 1);
  try {
    while (Atomics.load(localWriteGate, LocalWriteSlot.Writing) !== 0) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return await fn();
  } finally {
    Atomics.store(localWriteGate, LocalWriteSlot.Held, 0);
    Atomics.notify(localWriteGate, LocalWriteSlot.Held);
  }
}
