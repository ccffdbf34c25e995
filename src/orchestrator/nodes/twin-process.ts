/**
 * Two live processes under one node ID and one data dir: the data dir was copied (its
 * `system_metadata.yaml` keeps the node's InstanceID), or the same data dir was given to two nodes on
 * a shared disk. At its first handshake the second process looks exactly like the first one restarted,
 * and must be accepted at once for a real restart to be quick. What tells them apart comes later: a
 * restarted process's predecessor is dead, while a twin's comes back, because the newer handshake took
 * its connection. Accepting that one again would hand the node ID back and forth for ever (every 1–4 s
 * in a NATS cluster, with work sent to whichever process held it at the time).
 *
 * So a connected node remembers the processes it displaced while they were still connected (by the
 * handshake's StartTime, which a process keeps for its life), and a handshake from one of them is
 * refused while the node stays connected. The holder keeps the ID; once it is gone the other may take
 * it, as after any loss. Go's nodes send a StartTime too, so this also holds between two of them.
 */
import type { HandshakeRequest } from '../../transport/messages.js';

/** How many displaced processes a node remembers (restarts in one connection's lifetime are few). */
const Remembered = 8;

/** What a connected node knows of the processes that held its ID before it. */
export interface ProcessLineage {
  /** The handshake's StartTime ('' when a node sent none: nothing can be told apart then). */
  readonly startTime: string;
  /** StartTimes of processes this one displaced while they were still connected, oldest first. */
  readonly displaced: readonly string[];
}

/** Whether this handshake is of a process the connected `holder` displaced: a twin still running. */
export function isDisplacedTwin(holder: ProcessLineage, request: HandshakeRequest): boolean {
  return request.StartTime !== '' && holder.displaced.includes(request.StartTime);
}

/**
 * The lineage of a process taking the node's ID from `previous`: `previous` counts as displaced only
 * if it was still connected (a dead process's successor displaces nobody) and is another process.
 */
export function lineageAfter(
  previous: ProcessLineage | undefined,
  previousConnected: boolean,
  request: HandshakeRequest,
): ProcessLineage {
  const startTime = request.StartTime;
  if (previous === undefined || !previousConnected) return { startTime, displaced: [] };
  const displaced =
    previous.startTime === '' || previous.startTime === startTime
      ? previous.displaced
      : [...previous.displaced, previous.startTime].slice(-Remembered);
  return { startTime, displaced };
}

/** Why a twin is refused, with what the operator can do about it. */
export function twinProcessReason(holderConnectedSince: string): string {
  return (
    `another process with this node ID and this data dir is connected (since ${holderConnectedSince}): ` +
    'the data dir was copied or is shared. Stop one of them, or give this one its own data dir ' +
    '(--data-dir, a fresh one) and its own name (--name)'
  );
}
