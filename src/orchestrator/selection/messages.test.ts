import { describe, expect, it } from 'vitest';
import {
  formatNoMatchingNodes,
  formatNotEnoughNodes,
  hasRetryableRejection,
  noMatchingNodes,
  notEnoughNodes,
} from './messages.js';
import { computeNode, nodeState } from './testing.js';
import type { NodeRank } from './types.js';

const id = (n: number): string => `n-${String(n).repeat(8)}-6a45-457e-825c-40fd2fad768f`;
const rank = (n: number, r: number, reason = '', retryable = false): NodeRank => ({
  nodeInfo: computeNode(id(n)),
  rank: r,
  reason,
  retryable,
});

describe('formatNotEnoughNodes', () => {
  it('counts, then one line per distinct reason in first-seen order', () => {
    const ranks = [
      rank(1, 55),
      rank(2, -1, 'does not support wasm, only docker'),
      rank(3, -1, 'node busy with available capacity {CPU: 0.00, Memory: 0 B, Disk: 0 B, GPU: 0}', true),
      rank(4, -1, 'does not support wasm, only docker'),
      rank(5, -1, 'does not support wasm, only docker'),
    ];
    expect(formatNotEnoughNodes(3, ranks)).toBe(
      'not enough nodes to run job. requested: 3, available: 5, suitable: 1.' +
        '\n• 3 of 5 nodes: does not support wasm, only docker' +
        '\n• Node n-33333333: node busy with available capacity {CPU: 0.00, Memory: 0 B, Disk: 0 B, GPU: 0}',
    );
  });

  it('ends with how to approve the connected nodes that wait for approval, which are not ranked', () => {
    const nodes = [
      nodeState(computeNode(id(1))),
      nodeState(computeNode(id(2)), 'PENDING'),
      // neither a disconnected one nor a rejected one can run anything once approved
      nodeState(computeNode(id(3)), 'PENDING', 'DISCONNECTED'),
      nodeState(computeNode(id(4)), 'REJECTED'),
    ];
    expect(formatNotEnoughNodes(2, [rank(1, 10)], nodes)).toBe(
      'not enough nodes to run job. requested: 2, available: 1, suitable: 1.' +
        `\n• Node n-22222222: not counted, it waits for approval: bacalhau node approve ${id(2)}`,
    );
    const several = [nodeState(computeNode(id(5)), 'PENDING'), ...nodes];
    expect(formatNoMatchingNodes([], several)).toBe(
      'not matching nodes to run job out of 0 available nodes.' +
        '\n• 2 nodes: not counted, they wait for approval: ' +
        'bacalhau node list --filter-approval=pending, then bacalhau node approve <node ID>',
    );
    expect(formatNotEnoughNodes(1, [], [nodes[0]!, nodes[3]!])).toBe(
      'not enough nodes to run job. requested: 1, available: 0, suitable: 0.',
    );
  });

  it('has only the headline when no node was ranked', () => {
    expect(formatNotEnoughNodes(1, [])).toBe(
      'not enough nodes to run job. requested: 1, available: 0, suitable: 0.',
    );
  });

  it('gives suitable nodes no line', () => {
    expect(formatNotEnoughNodes(2, [rank(1, 10), rank(2, 20)])).toBe(
      'not enough nodes to run job. requested: 2, available: 2, suitable: 2.',
    );
  });

  it('comes with Go details and retryable as an event needs them', () => {
    const ranks = [rank(1, 5), rank(2, -1, 'job rejected'), rank(3, -1, 'busy', true)];
    expect(notEnoughNodes(4, ranks)).toEqual({
      message:
        'not enough nodes to run job. requested: 4, available: 3, suitable: 1.' +
        '\n• Node n-22222222: job rejected\n• Node n-33333333: busy',
      details: { NodesRequested: '4', NodesAvailable: '3', NodesSuitable: '1' },
      retryable: true,
    });
    expect(hasRetryableRejection([rank(1, -1, 'x', false), rank(2, 5, '', true)])).toBe(false);
  });
});

describe('formatNoMatchingNodes', () => {
  it('uses the ops headline and the same lines', () => {
    const ranks = [rank(1, -1, 'job rejected'), rank(2, -1, 'job rejected')];
    expect(formatNoMatchingNodes(ranks)).toBe(
      'not matching nodes to run job out of 2 available nodes.\n• 2 of 2 nodes: job rejected',
    );
    expect(noMatchingNodes(ranks)).toEqual({
      message: formatNoMatchingNodes(ranks),
      details: { NodesAvailable: '2' },
      retryable: false,
    });
  });
});
