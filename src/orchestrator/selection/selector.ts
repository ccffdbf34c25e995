/**
 * The node selector (Bacalhau `pkg/orchestrator/selection/selector/node_selector.go`): keeps the
 * schedulable nodes, ranks them with one ranker (normally the chain of ranking/default.ts) and splits
 * the result. Nodes filtered out here (requester nodes, pending/rejected or disconnected compute nodes)
 * appear in neither list, so they do not count as "available" in not-enough-nodes messages.
 *
 * Bounded sampling (not in Bacalhau; as Nomad's limit iterator and Sparrow's power of choices): when
 * the caller says how many nodes it wants, a uniformly random sample of the schedulable nodes is ranked
 * instead of all of them, and grown only while it holds too few suitable nodes. See
 * {@link NodeSelector.matchingNodes} for the contract.
 */
import { mathRandom, randomInt, type RandomSource } from '../../lib/random.js';
import {
  BacalhauError,
  ErrorCode,
  NodeConnection,
  NodeMembership,
  NodeType,
  type Job,
  type NodeInfo,
  type NodeState,
} from '../../models/index.js';
import {
  meetsRequirement,
  type MatchingNodesOptions,
  type NodeRank,
  type NodeRanker,
  type NodeSelection,
  type NodeSelectionConstraints,
  type NodeSelector,
  type RankingContext,
} from './types.js';

const defaultConstraints: NodeSelectionConstraints = Object.freeze({
  requireApproval: true,
  requireConnected: true,
});

/** A compute node that satisfies the constraints (by default: approved and connected). */
export function isSelectableNode(
  node: NodeState,
  constraints: NodeSelectionConstraints = defaultConstraints,
): boolean {
  if (node.Info.NodeType !== NodeType.Compute) return false;
  if (constraints.requireApproval && node.Membership !== NodeMembership.Approved) return false;
  if (constraints.requireConnected && node.ConnectionState.Status !== NodeConnection.Connected) return false;
  return true;
}

/** Smallest first sample: fewer nodes give too little choice among them. */
export const MinSampleSize = 8;

/**
 * How many of `n` schedulable nodes a selection that wants `want` ranks first:
 * max(2·want, 2·⌈log₂ n⌉, {@link MinSampleSize}), at most n.
 */
export function sampleSize(want: number, n: number): number {
  const logarithmic = n > 1 ? 2 * Math.ceil(Math.log2(n)) : 0;
  return Math.min(n, Math.max(2 * want, logarithmic, MinSampleSize));
}

/**
 * The next sample after one of `size` nodes held only `matched` < `want` suitable ones: large enough
 * for `want` at the observed rate with a margin (at least twice the last), eight times the last when
 * none matched.
 */
function grownSampleSize(size: number, matched: number, want: number): number {
  if (matched === 0) return size * 8;
  return Math.max(2 * size, Math.ceil((1.5 * want * size) / matched));
}

export interface RankingNodeSelectorOptions extends Partial<NodeSelectionConstraints> {
  /** Draws the samples. Default `Math.random`; tests seed it (lib/random.ts). */
  random?: RandomSource;
}

/** What the selector derives from one node list: kept while the (frozen) list is in use. */
interface NodeListView {
  /** The schedulable nodes, in the list's order. */
  readonly infos: readonly NodeInfo[];
  /**
   * A permutation of the positions in `infos`, created at the first sample. A sample of k nodes is its
   * first k entries after a partial Fisher–Yates shuffle of them, whatever order earlier samples left.
   */
  order: Uint32Array | undefined;
}

export class RankingNodeSelector implements NodeSelector {
  readonly #ranker: NodeRanker;
  readonly #random: RandomSource;
  /** Per frozen node list (the node cache hands out one until a node changes): O(n) once, not per call. */
  readonly #views = new WeakMap<readonly NodeState[], NodeListView>();
  readonly constraints: NodeSelectionConstraints;

  constructor(ranker: NodeRanker, options: RankingNodeSelectorOptions = {}) {
    this.#ranker = ranker;
    this.#random = options.random ?? mathRandom;
    this.constraints = Object.freeze({
      requireApproval: options.requireApproval ?? defaultConstraints.requireApproval,
      requireConnected: options.requireConnected ?? defaultConstraints.requireConnected,
    });
  }

  /** @throws BacalhauError (InternalError) when `want` is not a non-negative integer */
  matchingNodes(job: Job, options: MatchingNodesOptions): NodeSelection {
    const view = this.#view(options.nodes);
    const context: RankingContext = {
      executions: options.executions ?? [],
      ...(options.pendingUsage === undefined ? {} : { pendingUsage: options.pendingUsage }),
      ...(options.released === undefined ? {} : { released: options.released }),
    };
    if (options.want !== undefined) {
      const sampled = this.#rankSample(job, view, context, checkedWant(options.want));
      if (sampled !== undefined) return sampled;
    }
    return split(this.#ranker.rankNodes(job, view.infos, context));
  }

  /**
   * Ranks growing random samples until one holds `want` suitable nodes. Undefined when the next sample
   * would be half the nodes or more: the caller then ranks them all, which is also what decides that
   * too few nodes match.
   */
  #rankSample(
    job: Job,
    view: NodeListView,
    context: RankingContext,
    want: number,
  ): NodeSelection | undefined {
    const n = view.infos.length;
    let drawn = 0;
    let size = sampleSize(want, n);
    if (size >= n) return undefined;
    for (;;) {
      const ranks = this.#ranker.rankNodes(job, this.#draw(view, drawn, size), context);
      const matched = ranks.reduce((count, r) => count + (meetsRequirement(r) ? 1 : 0), 0);
      if (matched >= want) return split(ranks);
      drawn = size;
      size = grownSampleSize(size, matched, want);
      if (2 * size >= n) return undefined;
    }
  }

  /**
   * Extends the sample of the first `from` positions of the view's permutation to `to` (partial
   * Fisher–Yates), and returns the sampled nodes in the list's order.
   */
  #draw(view: NodeListView, from: number, to: number): NodeInfo[] {
    const n = view.infos.length;
    const order = (view.order ??= Uint32Array.from({ length: n }, (_, i) => i));
    for (let i = from; i < to; i++) {
      const j = i + randomInt(this.#random, n - i);
      const picked = order[j] ?? j;
      order[j] = order[i] ?? i;
      order[i] = picked;
    }
    const sample: NodeInfo[] = [];
    for (const position of order.slice(0, to).sort()) {
      const info = view.infos[position];
      if (info !== undefined) sample.push(info);
    }
    return sample;
  }

  #view(nodes: readonly NodeState[]): NodeListView {
    const cached = this.#views.get(nodes);
    if (cached !== undefined) return cached;
    const view: NodeListView = {
      infos: nodes.filter((n) => isSelectableNode(n, this.constraints)).map((n) => n.Info),
      order: undefined,
    };
    // Only a frozen list is known not to change under the same identity.
    if (Object.isFrozen(nodes)) this.#views.set(nodes, view);
    return view;
  }
}

function checkedWant(want: number): number {
  if (!Number.isInteger(want) || want < 0) {
    throw new BacalhauError(`wanted node count must be a non-negative integer: ${want}`, {
      code: ErrorCode.InternalError,
      component: 'NodeSelection',
    });
  }
  return want;
}

function split(ranks: readonly NodeRank[]): NodeSelection {
  const matched: NodeRank[] = [];
  const rejected: NodeRank[] = [];
  for (const rank of ranks) (meetsRequirement(rank) ? matched : rejected).push(rank);
  // Array.prototype.sort is stable: equal ranks keep the node list's order.
  matched.sort((a, b) => b.rank - a.rank);
  return { matched, rejected };
}
