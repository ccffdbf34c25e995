/**
 * When the clean-up after a task starts: a few milliseconds after its result, once the result is on
 * its way. On two cores, the thread-pool calls a clean-up makes (removing inputs, one file or folder
 * each) wake threads that take the CPU from the result's way to the orchestrator and on to the
 * client; started later, they run once that is done (measured in one process, alternating job by
 * job, the jobs 25 ms apart: a WASM job was seen Completed 0.25–0.37 ms sooner). Jobs submitted back
 * to back gain nothing: each pays for the clean-up of the one before. Nothing waits for a clean-up
 * but disk space, which a few milliseconds do not change.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export const CleanUpDelayMs = 5;

/** Settles {@link CleanUpDelayMs} from now; a real timer (a test's manual clock does not hold it). */
export function cleanUpLater(): Promise<void> {
  return sleep(CleanUpDelayMs);
}
