/**
 * The orchestrator's log line for a node arriving or leaving: how an operator follows the cluster (Go
 * logs these too). A node that connects while PENDING is given no work until it is approved, and
 * nothing else would say so: neither the node (its handshake reply is Go's "node registered" either
 * way) nor its jobs, which just wait in the queue.
 */
import type { NodeConnectionChange } from './manager.js';

export function connectionLogLine(change: NodeConnectionChange): string {
  const line = `Node ${change.nodeId} ${change.current.toLowerCase()}: ${change.reason}`;
  // set only on a connection (manager.ts)
  if (change.awaitingApproval !== true) return line;
  return `${line}; it gets no work until approved: bacalhau node approve ${change.nodeId}`;
}
