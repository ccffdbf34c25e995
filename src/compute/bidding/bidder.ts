/**
 * The compute node's bidder (Go's `compute.Bidder` with the strategies `node/compute.go` wires): decides
 * whether this node takes an execution and what it will be allocated.
 *
 * Order, as in Go: every semantic strategy is asked (all of them, so the reason lists every problem):
 * networking, stateless jobs, publisher installed, input types installed, input locality, ProbeExec,
 * ProbeHTTP, engine installed + executor, env allow-list. The probes do not replace the other rules
 * (the config text says "overrides"; Go runs them alongside). Only when all accept is the usage
 * calculated and the resource strategies asked: max capacity, then the executor. Each refusal adds
 * `rejected bid: <reason>`, joined with `; `.
 */
import { BacalhauError } from '../../models/bacerrors.js';
import type { Job } from '../../models/job.js';
import { toResources, zeroResources, type Resources } from '../../models/resources.js';
import { hostEnvResolver } from '../env.js';
import { calculateUsage, DefaultComputeJobResourceLimits, type StorageLookup } from '../capacity/usage.js';
import { envResolverStrategy } from './env-resolver.js';
import {
  executorResourceStrategy,
  executorSemanticStrategy,
  type EngineLookup,
} from './executor-specific.js';
import { externalCommandStrategy } from './external-command.js';
import { externalHttpStrategy } from './external-http.js';
import { inputLocalityStrategy } from './input-locality.js';
import { maxCapacityStrategy } from './max-capacity.js';
import { networkingStrategy } from './networking.js';
import { providerInstalledStrategy, specType, type InstalledLookup } from './provider-installed.js';
import { statelessJobStrategy } from './stateless-job.js';
import { storageInstalledStrategy } from './storage-installed.js';
import {
  taskOf,
  type BidRequest,
  type BidResponse,
  type ResourceBidStrategy,
  type SemanticBidStrategy,
  type SignalOption,
} from './types.js';

/** The `JobAdmissionControl` config values. */
export interface AdmissionControl {
  /** `local` or `anywhere`. */
  Locality: string;
  RejectStatelessJobs: boolean;
  RejectNetworkedJobs: boolean;
  /** URL; empty = no HTTP probe. */
  ProbeHTTP: string;
  /** Shell command; empty = no command probe. */
  ProbeExec: string;
}

export interface BidderOptions {
  nodeID: string;
  admission: AdmissionControl;
  /** The largest job this node takes (its allocated capacity); read on every bid. */
  maxJobRequirements: () => Resources;
  /** Filled into dimensions a task leaves at zero; Go's {@link DefaultComputeJobResourceLimits} by default. */
  defaultResources?: Resources;
  /** Engines this node runs (an `EngineRegistry`: present, installed, not in `Engines.Disabled`). */
  engines: EngineLookup;
  /** Publisher present, working and not in `Publishers.Disabled`. */
  publisherInstalled: InstalledLookup;
  /** Input providers (a `StorageRegistry`): installed types, locality and input sizes. */
  storages: StorageLookup;
  /** `Compute.Env.AllowList`. */
  envAllowList: readonly string[];
  /** Time limit of each probe call (ProbeExec, ProbeHTTP). */
  probeTimeoutMs?: number;
}

export interface BidOutcome {
  shouldBid: boolean;
  /** Empty when accepted; otherwise the refusals, `rejected bid: <reason>; rejected bid: <reason>`. */
  reason: string;
  /**
   * What the execution uses, for `AllocatedResources.Tasks[<task name>]`. All zero when a semantic
   * strategy refused (usage is then never calculated).
   */
  usage: Resources;
}

export interface Bidder {
  /**
   * Decides on one execution of `job`. Refusals resolve; a strategy that could not decide rejects with
   * its BacalhauError (e.g. a probe unreachable, an input's size unknown), which fails the execution.
   */
  bid(request: { job: Job }, options?: SignalOption): Promise<BidOutcome>;
}

export function createBidder(options: BidderOptions): Bidder {
  const { admission, storages, engines } = options;
  const probe = { timeoutMs: options.probeTimeoutMs };
  const semantic: SemanticBidStrategy[] = [
    networkingStrategy(admission.RejectNetworkedJobs),
    statelessJobStrategy(admission.RejectStatelessJobs),
    providerInstalledStrategy(options.publisherInstalled, (job) => specType(taskOf(job).Publisher?.Type)),
    storageInstalledStrategy(storages),
    inputLocalityStrategy(admission.Locality.toLowerCase() === 'local' ? 'local' : 'anywhere', storages),
    externalCommandStrategy(admission.ProbeExec, probe),
    externalHttpStrategy(admission.ProbeHTTP, probe),
    executorSemanticStrategy(engines),
    envResolverStrategy(hostEnvResolver(options.envAllowList)),
  ];
  const resource: ResourceBidStrategy[] = [
    maxCapacityStrategy(options.maxJobRequirements),
    executorResourceStrategy(engines),
  ];
  const usageOptions = { defaults: options.defaultResources ?? DefaultComputeJobResourceLimits, storages };

  return {
    async bid({ job }, io = {}) {
      const request: BidRequest = { nodeID: options.nodeID, job };
      const semanticReasons = await refusals(semantic, (s) => s.shouldBid(request, io));
      if (semanticReasons.length > 0) return outcome(semanticReasons, zeroResources());

      const task = taskOf(job);
      let requested: Resources;
      try {
        requested = toResources(task.Resources);
      } catch (err) {
        throw BacalhauError.wrap(err, 'parsing job resource config');
      }
      let usage: Resources;
      try {
        usage = await calculateUsage(task, requested, usageOptions, io);
      } catch (err) {
        throw BacalhauError.wrap(err, 'calculating resource usage of job');
      }
      const resourceReasons = await refusals(resource, (s) => s.shouldBidBasedOnUsage(request, usage, io));
      return outcome(resourceReasons, usage);
    },
  };
}

/** Asks every strategy in turn; the reasons of those that refused. */
async function refusals<S>(strategies: readonly S[], ask: (s: S) => Promise<BidResponse>): Promise<string[]> {
  const reasons: string[] = [];
  for (const strategy of strategies) {
    const response = await ask(strategy);
    if (!response.shouldBid) reasons.push(`rejected bid: ${response.reason}`);
  }
  return reasons;
}

function outcome(reasons: readonly string[], usage: Resources): BidOutcome {
  return { shouldBid: reasons.length === 0, reason: reasons.join('; '), usage };
}
