/**
 * The user-facing texts of failed node selection (Bacalhau `ErrNotEnoughNodes` and `ErrNoMatchingNodes`
 * in `pkg/orchestrator/errors.go`): a headline, then one line per distinct reason:
 * `\n• Node <short node ID>: <reason>` when one node gave it, `\n• <n> of <m> nodes: <reason>` when
 * several did (m = all nodes ranked).
 *
 * Deliberate differences: lines come in the order their reason first appears in the ranks given (Go
 * iterates a map, so the order varies); suitable nodes, whose reason is empty, get no line (Go prints
 * `• Node <id>: ` with nothing after the colon); connected nodes still waiting for an operator's
 * approval (manual approval) get a last line saying how to approve them. They are not ranked, so Go
 * says nothing of them, and a user who sees their node in `node list` is left to guess why it is not
 * "available".
 */
import { NodeMembership, shortNodeID, type NodeState } from '../../models/index.js';
import { isSelectableNode } from './selector.js';
import { meetsRequirement, type NodeRank } from './types.js';

/** A node and why it could not take a job. */
export interface NodeReason {
  readonly nodeID: string;
  readonly reason: string;
}

/**
 * One line per distinct reason: `\n• Node <short ID>: <reason>` when one node gave it, `\n• <n> of
 * <total> nodes: <reason>` when several did. `total` defaults to all of `entries`.
 */
export function reasonLines(entries: readonly NodeReason[], total = entries.length): string {
  const groups = new Map<string, string[]>();
  for (const { nodeID, reason } of entries) {
    if (reason === '') continue;
    const group = groups.get(reason);
    if (group === undefined) groups.set(reason, [nodeID]);
    else group.push(nodeID);
  }
  let lines = '';
  for (const [reason, nodes] of groups) {
    const who =
      nodes.length > 1 ? `${nodes.length} of ${total} nodes` : `Node ${shortNodeID(nodes[0] ?? '')}`;
    lines += `\n• ${who}: ${reason}`;
  }
  return lines;
}

/** The selector's constraints less approval: what a PENDING node lacks only its approval for. */
const ApprovalAside = Object.freeze({ requireApproval: false, requireConnected: true });

/**
 * The line about connected compute nodes among `nodes` that wait for approval (PENDING), or '' when
 * there are none.
 */
export function awaitingApprovalLine(nodes: readonly NodeState[]): string {
  const pending = nodes.filter(
    (n) => n.Membership === NodeMembership.Pending && isSelectableNode(n, ApprovalAside),
  );
  const first = pending[0]?.Info.NodeID;
  if (first === undefined) return '';
  if (pending.length === 1) {
    return `\n• Node ${shortNodeID(first)}: not counted, it waits for approval: bacalhau node approve ${first}`;
  }
  return (
    `\n• ${pending.length} nodes: not counted, they wait for approval: ` +
    'bacalhau node list --filter-approval=pending, then bacalhau node approve <node ID>'
  );
}

function rankReasons(ranks: readonly NodeRank[]): NodeReason[] {
  return ranks.map((r) => ({ nodeID: r.nodeInfo.NodeID, reason: r.reason }));
}

function countSuitable(ranks: readonly NodeRank[]): number {
  return ranks.reduce((n, r) => n + (meetsRequirement(r) ? 1 : 0), 0);
}

/** Go's `Retryable()`: some unsuitable node may become suitable by itself. */
export function hasRetryableRejection(ranks: readonly NodeRank[]): boolean {
  return ranks.some((r) => !meetsRequirement(r) && r.retryable);
}

/**
 * `not enough nodes to run job. requested: <requested>, available: <ranked>, suitable: <suitable>.`
 * plus the reason lines. `ranks` = every ranked node, matched then rejected, as the scheduler has them;
 * `nodes` = all the scheduler knows, for the nodes waiting for approval.
 */
export function formatNotEnoughNodes(
  requested: number,
  ranks: readonly NodeRank[],
  nodes: readonly NodeState[] = [],
): string {
  return (
    `not enough nodes to run job. requested: ${requested}, available: ${ranks.length}, ` +
    `suitable: ${countSuitable(ranks)}.${reasonLines(rankReasons(ranks))}${awaitingApprovalLine(nodes)}`
  );
}

/**
 * `waiting for capacity on <n> of <m> nodes.` plus the reason lines of the `busy` nodes (daemon jobs;
 * not in Bacalhau). `ranked` = how many nodes were ranked.
 */
export function formatBusyNodes(busy: readonly NodeRank[], ranked: number): string {
  return `waiting for capacity on ${busy.length} of ${ranked} nodes.${reasonLines(rankReasons(busy), ranked)}`;
}

/**
 * `not matching nodes to run job out of <n> available nodes.` plus the reason lines (ops and daemon
 * jobs), and the line of `nodes` waiting for approval.
 */
export function formatNoMatchingNodes(ranks: readonly NodeRank[], nodes: readonly NodeState[] = []): string {
  return (
    `not matching nodes to run job out of ${ranks.length} available nodes.` +
    `${reasonLines(rankReasons(ranks))}${awaitingApprovalLine(nodes)}`
  );
}

/** What a scheduler needs to report a not-enough-nodes event (message, details, retryable). */
export interface SelectionFailure {
  message: string;
  /** Go's `Details()`: `NodesRequested`, `NodesAvailable`, `NodesSuitable` (decimal strings). */
  details: Record<string, string>;
  retryable: boolean;
}

export function notEnoughNodes(
  requested: number,
  ranks: readonly NodeRank[],
  nodes: readonly NodeState[] = [],
): SelectionFailure {
  return {
    message: formatNotEnoughNodes(requested, ranks, nodes),
    details: {
      NodesRequested: String(requested),
      NodesAvailable: String(ranks.length),
      NodesSuitable: String(countSuitable(ranks)),
    },
    retryable: hasRetryableRejection(ranks),
  };
}

/** The ops scheduler's variant: details carry only `NodesAvailable`. */
export function noMatchingNodes(
  ranks: readonly NodeRank[],
  nodes: readonly NodeState[] = [],
): SelectionFailure {
  return {
    message: formatNoMatchingNodes(ranks, nodes),
    details: { NodesAvailable: String(ranks.length) },
    retryable: hasRetryableRejection(ranks),
  };
}
