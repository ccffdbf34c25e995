/**
 * What a compute node does with the executions a previous process left behind (Go's `Startup`), before
 * it takes part in the network: batch and ops executions that were under way fail ("Failing due to node
 * restart": their side effects are unknown, the orchestrator decides about a retry); service and daemon
 * executions run again (an executor re-attaches to a container still running); executions still waiting
 * for a bid are bid on. Engines that can find work of a previous process (Docker containers) are asked
 * to remove what belongs to no execution that continues. Those a node stopped as it was shut down (not
 * killed) fail saying so, and are not held against it (noteStoppedByShutdown).
 */
import type { Clock } from '../lib/clock.js';
import { EventDetail, isLongRunningJob } from '../models/index.js';
import type { Execution } from '../models/index.js';
import { ComputeEventTopic, NodeShutDownFailEvent, newEvent } from '../transport/messages.js';
import type { EngineRegistry } from './engines.js';
import type { ExecutionStore } from './store/types.js';

export const FailedDueToRestartMessage = 'Failed due to node restart';
export const FailingDueToRestartEvent = 'Failing due to node restart';

/** An executor that can find executions a previous process started (by container labels, ...). */
export interface OrphanCollector {
  /** Removes this engine's leftovers of executions `isKnown` does not know. */
  removeOrphans(isKnown: (executionID: string) => boolean): Promise<unknown>;
}

function collectsOrphans(executor: object): executor is OrphanCollector {
  return typeof (executor as Partial<OrphanCollector>).removeOrphans === 'function';
}

/**
 * Asks every installed engine that can find work of other processes to remove what `isKnown` does not
 * know. An engine that is not installed (no Docker daemon answers) is skipped: there is nothing it could
 * reach. One engine's failure goes to `onError` and does not keep the others from sweeping, nor the node
 * from starting: leftovers are swept again after the next restart.
 */
export async function removeOrphanedWork(
  engines: EngineRegistry,
  isKnown: (executionID: string) => boolean,
  onError: (error: unknown) => void,
): Promise<void> {
  for (const executor of await engines.installed()) {
    if (collectsOrphans(executor)) await executor.removeOrphans(isKnown).catch(onError);
  }
}

export interface ReconcileOptions {
  store: ExecutionStore;
  engines: EngineRegistry;
  clock: Clock;
  rerun: (execution: Execution) => void;
  bid: (execution: Execution) => Promise<void>;
  onError: (error: unknown) => void;
}

/** Whether a restart runs `execution` again: a service or daemon one not publishing (else it fails). */
function runsAgain(execution: Execution): boolean {
  const job = execution.Job;
  return job !== undefined && isLongRunningJob(job) && execution.ComputeState.StateType !== 'Publishing';
}

/**
 * What the compute store says of an execution a node stopped because it was being shut down (not
 * killed): noted at once, and reported failed when the node starts again.
 */
const StoppedByShutdownMessage = 'stopped as its node shut down';

/**
 * What a node being shut down does with the executions a restart will fail: it notes that they were
 * stopped by the shutdown, so that the restart fails them saying so (NodeShutDownFailEvent), and their
 * jobs are not held against the node. Not reported now: the orchestrator, told that the node is leaving,
 * decides meanwhile; a node's own orchestrator is stopping with it, and would fail a job it could not
 * place at once.
 */
export function noteStoppedByShutdown(store: ExecutionStore): void {
  for (const execution of store.liveExecutions()) {
    if (runsAgain(execution)) continue;
    store.update({
      executionID: execution.ID,
      newValues: { ComputeState: { ...execution.ComputeState, Message: StoppedByShutdownMessage } },
    });
  }
}

/** Returns the executions it failed: their inputs, prepared by the previous process, stay behind. */
export async function reconcileAfterRestart(options: ReconcileOptions): Promise<string[]> {
  const { store } = options;
  const live = store.liveExecutions();
  const rerun = live.filter(runsAgain);
  const keep = new Set(rerun.map((execution) => execution.ID));
  const failed: string[] = [];
  for (const execution of live) {
    if (keep.has(execution.ID)) continue;
    const shutDown = execution.ComputeState.Message === StoppedByShutdownMessage;
    store.update({
      executionID: execution.ID,
      newValues: { ComputeState: { StateType: 'Failed', Message: FailedDueToRestartMessage } },
      events: [
        newEvent(ComputeEventTopic.Execution, shutDown ? NodeShutDownFailEvent : FailingDueToRestartEvent, {
          now: new Date(options.clock.now()),
          details: { [EventDetail.FailsExecution]: 'true' },
        }),
      ],
    });
    failed.push(execution.ID);
  }
  await removeOrphanedWork(options.engines, (id) => keep.has(id), options.onError);
  for (const execution of rerun) options.rerun(execution);
  for (const execution of store.byState(['New'])) void options.bid(execution);
  return failed;
}
