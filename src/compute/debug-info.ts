/**
 * What a compute node gives `GET /api/v1/agent/debug`, as Go's compute node does
 * (`pkg/compute/sensors`): `ActiveJobs`, a summary of each execution the executor buffer is running,
 * and `jobsCompleted`, how many executions the node's store holds as Completed.
 */
import { encode, struct } from '../models/codec.js';
import type { DebugInfoProvider } from '../models/debug.js';
import type { Execution } from '../models/execution.js';
import { allocatedResourcesSchema } from '../models/schemas.js';
import type { ExecutionStore } from './store/types.js';

export function computeDebugInfoProviders(
  running: () => readonly Execution[],
  store: Pick<ExecutionStore, 'find' | 'count'>,
): DebugInfoProvider[] {
  return [
    {
      getDebugInfo: () => ({
        Component: 'ActiveJobs',
        Info: running().map((execution) => ({
          ExecutionID: execution.ID,
          JobID: execution.JobID,
          // the state now (Running), not the one the execution was queued in
          State: (store.find(execution.ID) ?? execution).ComputeState.StateType,
          // in wire form, as the execution routes answer it (zero amounts left out)
          AllocatedResources: encode(
            execution.AllocatedResources ?? { Tasks: {} },
            struct(allocatedResourcesSchema),
          ),
        })),
      }),
    },
    { getDebugInfo: () => ({ Component: 'jobsCompleted', Info: store.count('Completed') }) },
  ];
}
