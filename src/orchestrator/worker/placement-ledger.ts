/**
 * What the schedulers placed on each node that its capacity reports may not count yet. A node reports
 * its capacity with its heartbeats (every few seconds); a burst of jobs placed meanwhile all saw the
 * same figures, so every one went to the node that looked emptiest while others idled. The ledger
 * holds each new execution's resources against its node, from the plan that placed it (so the next
 * evaluation of the same batch sees it, before any commit; a plan that fails to be written takes its
 * record back), and lets the available-capacity ranker count them as taken (`pendingUsage`).
 *
 * An entry is dropped when its execution ends or is no longer wanted, and when the store holds a
 * capacity report the node made `reportLagMs` after it was told to run it (the node has enqueued it by
 * then, so the report counts it); after `maxAgeMs` at the latest, should anything be missed. Not at the
 * heartbeat itself: the node manager writes heartbeats to the store up to a persistence interval later,
 * and until then the schedulers see the older figures, which do not count the placement. A node that
 * (re)connects starts with no entries: its handshake reports its capacity afresh.
 */
import type { Clock } from '../../lib/clock.js';
import {
  add,
  isTerminalExecution,
  sub,
  zeroResources,
  type Execution,
  type Plan,
  type Resources,
} from '../../models/index.js';
import type { StoreChange } from '../../store/types.js';
import type { Planner } from '../planner/types.js';
import { jobResources } from '../selection/ranking/index.js';
import type { MatchingNodesOptions, NodeSelection, NodeSelector } from '../selection/types.js';

export const DefaultReportLagMs = 1000;
const DefaultMaxAgeMs = 5 * 60_000;

interface Entry {
  readonly resources: Resources;
  readonly placedAtMs: number;
  /** When the node was told to run it (desired Running); undefined while its bid is open. */
  runAtMs: number | undefined;
}

interface NodeEntries {
  readonly entries: Map<string, Entry>;
  total: Resources;
}

export interface PlacementLedgerOptions {
  clock: Clock;
  reportLagMs?: number;
  maxAgeMs?: number;
}

export class PlacementLedger {
  readonly #clock: Clock;
  readonly #reportLagMs: number;
  readonly #maxAgeMs: number;
  readonly #nodes = new Map<string, NodeEntries>();
  /** Execution ID → node ID, for the store's updates (which name the execution). */
  readonly #nodeOf = new Map<string, string>();

  constructor(options: PlacementLedgerOptions) {
    this.#clock = options.clock;
    this.#reportLagMs = options.reportLagMs ?? DefaultReportLagMs;
    this.#maxAgeMs = options.maxAgeMs ?? DefaultMaxAgeMs;
  }

  /**
   * `planner`, with the plan's new executions recorded before it writes them (so the next evaluation
   * of the same batch sees them), and taken back when it fails (a conflict: the plan is made again).
   */
  planner(planner: Planner): Planner {
    return {
      process: async (plan: Plan): Promise<void> => {
        const now = this.#clock.now();
        for (const execution of plan.NewExecutions) this.#placed(execution, now);
        try {
          await planner.process(plan);
        } catch (err) {
          for (const execution of plan.NewExecutions) this.#remove(execution.ID);
          throw err;
        }
      },
    };
  }

  /** A store change listener: executions told to run, and those that ended or are no longer wanted. */
  readonly onChange = (changes: readonly StoreChange[]): void => {
    for (const change of changes) {
      if (change.type !== 'ExecutionUpdated') continue;
      const { execution } = change;
      if (!this.#nodeOf.has(execution.ID)) continue;
      if (isTerminalExecution(execution)) {
        this.#remove(execution.ID);
      } else if (execution.DesiredState.StateType === 'Running') {
        const entry = this.#entry(execution.ID);
        if (entry !== undefined) entry.runAtMs ??= this.#clock.now();
      }
    }
  };

  /**
   * The node's capacity report made at `atMs` (a heartbeat) is what the schedulers now read of it: what
   * it had had time to enqueue by then is in the report. Placements told to run later are not.
   */
  reported(nodeID: string, atMs: number): void {
    const node = this.#nodes.get(nodeID);
    if (node === undefined) return;
    const now = this.#clock.now();
    for (const [executionID, entry] of node.entries) {
      const counted = entry.runAtMs !== undefined && entry.runAtMs <= atMs - this.#reportLagMs;
      if (counted || entry.placedAtMs <= now - this.#maxAgeMs) this.#remove(executionID);
    }
  }

  /** The node (re)connected: its handshake's capacity is all there is to know. */
  forget(nodeID: string): void {
    for (const executionID of [...(this.#nodes.get(nodeID)?.entries.keys() ?? [])]) {
      this.#remove(executionID);
    }
  }

  /** What was placed on the node and may not be in its last report. */
  readonly pendingUsage = (nodeID: string): Resources | undefined => this.#nodes.get(nodeID)?.total;

  /** `selector`, ranking with this ledger's pending usage. */
  selector(selector: NodeSelector): NodeSelector {
    return {
      matchingNodes: (job, options: MatchingNodesOptions): NodeSelection =>
        selector.matchingNodes(job, { ...options, pendingUsage: this.pendingUsage }),
    };
  }

  #placed(execution: Execution, now: number): void {
    if (execution.NodeID === '' || this.#nodeOf.has(execution.ID)) return;
    // what the job asks for: the node sets AllocatedResources only when it bids
    const resources = execution.Job === undefined ? zeroResources() : jobResources(execution.Job);
    let node = this.#nodes.get(execution.NodeID);
    if (node === undefined) {
      node = { entries: new Map(), total: zeroResources() };
      this.#nodes.set(execution.NodeID, node);
    }
    // daemon and ops executions are told to run as they are placed
    const runAtMs = execution.DesiredState.StateType === 'Running' ? now : undefined;
    node.entries.set(execution.ID, { resources, placedAtMs: now, runAtMs });
    node.total = add(node.total, resources);
    this.#nodeOf.set(execution.ID, execution.NodeID);
  }

  #entry(executionID: string): Entry | undefined {
    const nodeID = this.#nodeOf.get(executionID);
    return nodeID === undefined ? undefined : this.#nodes.get(nodeID)?.entries.get(executionID);
  }

  #remove(executionID: string): void {
    const nodeID = this.#nodeOf.get(executionID);
    if (nodeID === undefined) return;
    this.#nodeOf.delete(executionID);
    const node = this.#nodes.get(nodeID);
    const entry = node?.entries.get(executionID);
    if (node === undefined || entry === undefined) return;
    node.entries.delete(executionID);
    if (node.entries.size === 0) this.#nodes.delete(nodeID);
    else node.total = sub(node.total, entry.resources);
  }
}
