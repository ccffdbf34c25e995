/**
 * `JobAdmissionControl.RejectStatelessJobs` (Go's `semantic.StatelessJobStrategy`): refuses tasks
 * without inputs, for nodes meant to serve the data they hold.
 */
import { bidResponse, syncSemanticStrategy, taskOf, type SemanticBidStrategy } from './types.js';

export function statelessJobStrategy(rejectStatelessJobs: boolean): SemanticBidStrategy {
  return syncSemanticStrategy((request) =>
    (taskOf(request.job).InputSources ?? []).length > 0
      ? bidResponse(true, 'accept jobs with input volumes')
      : bidResponse(!rejectStatelessJobs, 'accept jobs without any input volumes'),
  );
}
