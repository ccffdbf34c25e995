/**
 * When work that no job waits for starts: a few milliseconds after the step that set it off, once
 * that step's own work is on its way. The clean-up after a task (removing its inputs, one file or
 * folder each, through the thread pool) and the making of spare execution folders (worker-thread
 * disk work, after a start took one) wake threads that, on two cores, took the CPU from the job's
 * own way: its result to the orchestrator and the client, its WASM module's thread. Measured in one
 * process, alternating job by job with the jobs 25 ms apart, a WASM job was seen Completed
 * 0.25–0.37 ms sooner with its clean-up later, and 0.07–0.26 ms sooner again with the refill later.
 * Jobs submitted back to back gain less: each meets what the one before left. Nothing waits for this
 * work but disk space and spare folders (a start finding none makes its own), which a few
 * milliseconds do not change.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export const BackgroundDelayMs = 5;

/** Settles {@link BackgroundDelayMs} from now; a real timer (a test's manual clock does not hold it). */
export function backgroundLater(): Promise<void> {
  return sleep(BackgroundDelayMs);
}
