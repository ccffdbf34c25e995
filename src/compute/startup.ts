/**
 * What a compute node does with the executions a previous process left behind (Go's `Startup`), before
 * it takes part in the network: batch and ops executions that were under way fail ("Failing due to node
 * restart": their side effects are unknown, the orchestrator decides about a retry); service and daemon
 * executions run again (an executor re-attaches to a container still running); executions still waiting
 * for a bid are bid on. Engines that can find work of a previous process (Docker containers) are asked
 * to remove what belongs to no execution that continues.
 */
import type { Clock } from '../lib/clock.js';
import { EventDetail, isLongRunningJob } from '../models/index.js';
import type { Execution } from '../models/index.js';
import { ComputeEventTopic, newEvent } from '../transport/messages.js';
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

/** Returns the executions it failed: their inputs, prepared by the previous process, stay behind. */
export async function reconcileAfterRestart(options: ReconcileOptions): Promise<string[]> {
  const { store } = options;
  const keep = new Set<string>();
  const rerun: Execution[] = [];
  const failed: string[] = [];
  for (const execution of store.liveExecutions()) {
    const job = execution.Job;
    if (job !== undefined && isLongRunningJob(job) && execution.ComputeState.StateType !== 'Publishing') {
      keep.add(execution.ID);
      rerun.push(execution);
      continue;
    }
    store.update({
      executionID: execution.ID,
      newValues: { ComputeState: { StateType: 'Failed', Message: FailedDueToRestartMessage } },
      events: [
        newEvent(ComputeEventTopic.Execution, FailingDueToRestartEvent, {
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
