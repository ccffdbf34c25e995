/**
 * The engine's own say (Go's `executor_util.NewExecutorSpecificBidStrategy`): first the task's engine
 * must be installed here (and not in `Engines.Disabled`), then the executor judges the job (Docker:
 * does the image have a platform this daemon runs) and, once usage is known, the resources. The
 * semantic half stops at the first refusal, as Go's chained strategy does.
 */
import type { Executor } from '../../executor/types.js';
import { providerInstalledStrategy, specType } from './provider-installed.js';
import { taskOf, type BidRequest, type ResourceBidStrategy, type SemanticBidStrategy } from './types.js';

/** How the node finds the executor of an engine type (an `EngineRegistry`). */
export interface EngineLookup {
  /** Rejects when this node cannot run `type` (absent, not installed or disabled). */
  get(type: string): Promise<Executor>;
}

export function executorSemanticStrategy(engines: EngineLookup): SemanticBidStrategy {
  const installed = providerInstalledStrategy(
    (type) =>
      engines.get(type).then(
        () => true,
        () => false,
      ),
    (job) => specType(taskOf(job).Engine?.Type),
  );
  return {
    async shouldBid(request, options) {
      const reasons: string[] = [];
      for (const ask of [
        () => installed.shouldBid(request, options),
        async () => (await executorOf(request, engines)).shouldBid(request, options),
      ]) {
        const response = await ask();
        if (!response.shouldBid) return response;
        reasons.push(response.reason);
      }
      return { shouldBid: true, reason: reasons.join('; ') };
    },
  };
}

export function executorResourceStrategy(engines: EngineLookup): ResourceBidStrategy {
  return {
    async shouldBidBasedOnUsage(request, usage, options) {
      return (await executorOf(request, engines)).shouldBidBasedOnUsage(request, usage, options);
    },
  };
}

/** @throws (as a rejection) the lookup's error when the node cannot run the task's engine. */
async function executorOf(request: BidRequest, engines: EngineLookup): Promise<Executor> {
  return await engines.get(taskOf(request.job).Engine?.Type ?? '');
}
