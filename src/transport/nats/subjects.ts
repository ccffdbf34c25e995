/**
 * NCL v1 subjects (`pkg/transport/nclprotocol/subjects.go`). Every subject names the compute node; the
 * orchestrator listens on all nodes at once with a `*` in the node's place.
 */
const prefix = 'bacalhau.global.compute';

/** Control plane, compute → orchestrator request/reply: handshake, heartbeat, node info, shutdown. */
export function controlSubject(nodeId: string): string {
  return `${prefix}.${nodeId}.out.ctrl`;
}

/** Data plane, orchestrator → compute. */
export function computeInSubject(nodeId: string): string {
  return `${prefix}.${nodeId}.in.msgs`;
}

/** Data plane, compute → orchestrator. */
export function computeOutSubject(nodeId: string): string {
  return `${prefix}.${nodeId}.out.msgs`;
}

export const allControlSubjects = controlSubject('*');
export const allComputeOutSubjects = computeOutSubject('*');

/** The node a `bacalhau.global.compute.<nodeID>.…` subject is about. */
export function nodeOfSubject(subject: string): string {
  return subject.slice(prefix.length + 1, subject.indexOf('.', prefix.length + 1));
}

/**
 * Whether `nodeId` can be put in a subject as one token. Node IDs with dots, spaces or wildcards would
 * address other subjects (Bacalhau's name providers never produce them).
 */
export function isSubjectToken(nodeId: string): boolean {
  return nodeId !== '' && nodeIdProblems(nodeId).length === 0;
}

/** Why `nodeId` cannot be one token of a subject, in the words of Go's `NATSTransportConfig.Validate`. */
export function nodeIdProblems(nodeId: string): string[] {
  return [
    ...(/\s/.test(nodeId) ? ['node ID cannot contain spaces'] : []),
    ...(nodeId.includes('\0') ? ['node ID cannot contain null characters'] : []),
    ...(/[.*>]/.test(nodeId) ? ['node ID cannot contain any of the following characters: .*>'] : []),
  ];
}
