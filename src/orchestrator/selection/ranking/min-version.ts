/**
 * Minimum-version ranker (Bacalhau `selection/ranking/min_version.go`, minimum v1.0.4 set in
 * `pkg/node/requester.go`):
 * - the node reports no version (Major, Minor and GitVersion all empty): 0, `Bacalhau version unknown`;
 * - a development build (Major "0" and Minor "0") or a version at least the minimum: +10,
 *   `Bacalhau version compatible`;
 * - older: −1, `Bacalhau version is incompatible`.
 * As in Go, Major, Minor and GitVersion are compared as strings (byte order), in that order.
 *
 * Note for bacalhau-ts nodes: a build whose version is 0.x with x ≥ 1 (Major "0", Minor "1") is older
 * than v1.0.4 by this rule; the composition root passes a suitable `minVersion` for such builds.
 */
import type { BuildVersionInfo, Job, NodeInfo } from '../../../models/index.js';
import {
  RankPossible,
  RankPreferred,
  RankUnsuitable,
  type NodeRank,
  type NodeRanker,
  type RankingContext,
} from '../types.js';

export type VersionTriple = Pick<BuildVersionInfo, 'Major' | 'Minor' | 'GitVersion'>;

/** Bacalhau's `minBacalhauVersion`. */
export const MinBacalhauVersion: Readonly<VersionTriple> = Object.freeze({
  Major: '1',
  Minor: '0',
  GitVersion: 'v1.0.4',
});

export const VersionCompatibleReason = 'Bacalhau version compatible';
export const VersionUnknownReason = 'Bacalhau version unknown';
export const VersionIncompatibleReason = 'Bacalhau version is incompatible';

/** Go's rule, exactly (see the file comment). */
export function isCompatibleVersion(node: VersionTriple, min: VersionTriple): boolean {
  if (node.Major === '0' && node.Minor === '0') return true;
  if (node.Major < min.Major) return false;
  if (node.Major === min.Major && node.Minor < min.Minor) return false;
  if (node.Major === min.Major && node.Minor === min.Minor && node.GitVersion < min.GitVersion) return false;
  return true;
}

export class MinVersionNodeRanker implements NodeRanker {
  readonly minVersion: Readonly<VersionTriple>;

  constructor(minVersion: VersionTriple = MinBacalhauVersion) {
    this.minVersion = Object.freeze({
      Major: minVersion.Major,
      Minor: minVersion.Minor,
      GitVersion: minVersion.GitVersion,
    });
  }

  rankNodes(_job: Job, nodes: readonly NodeInfo[], _context?: RankingContext): NodeRank[] {
    return nodes.map((nodeInfo) => {
      const version: Partial<VersionTriple> = nodeInfo.BacalhauVersion ?? {};
      const triple: VersionTriple = {
        Major: version.Major ?? '',
        Minor: version.Minor ?? '',
        GitVersion: version.GitVersion ?? '',
      };
      if (triple.Major === '' && triple.Minor === '' && triple.GitVersion === '') {
        return { nodeInfo, rank: RankPossible, reason: VersionUnknownReason, retryable: false };
      }
      return isCompatibleVersion(triple, this.minVersion)
        ? { nodeInfo, rank: RankPreferred, reason: VersionCompatibleReason, retryable: false }
        : { nodeInfo, rank: RankUnsuitable, reason: VersionIncompatibleReason, retryable: false };
    });
  }
}
