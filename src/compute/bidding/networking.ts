/**
 * `JobAdmissionControl.RejectNetworkedJobs` (Go's `semantic.NetworkingStrategy`): refuses tasks that
 * ask for a network. `None` and `Default` always pass; a node that rejects networked jobs runs
 * `Default` tasks without a network, so they need none.
 */
import { isNetworkDisabled, NetworkType } from '../../models/network.js';
import { bidResponse, syncSemanticStrategy, taskOf, type SemanticBidStrategy } from './types.js';

export function networkingStrategy(rejectNetworkedJobs: boolean): SemanticBidStrategy {
  return syncSemanticStrategy((request) => {
    const type = taskOf(request.job).Network?.Type ?? NetworkType.Default;
    if (isNetworkDisabled(type)) return bidResponse(true, 'run jobs that do not require network access');
    if (type === NetworkType.Default) return bidResponse(true, 'run jobs with undefined network access');
    return bidResponse(!rejectNetworkedJobs, 'run jobs that require network access');
  });
}
