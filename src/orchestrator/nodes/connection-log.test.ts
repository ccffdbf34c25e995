import { describe, expect, it } from 'vitest';
import { connectionLogLine } from './connection-log.js';

const change = { nodeId: 'n-1', previous: 'DISCONNECTED', time: 0 } as const;

describe('connectionLogLine', () => {
  it('names the node, its new connection state and the reason', () => {
    expect(connectionLogLine({ ...change, current: 'CONNECTED', reason: 'node registered' })).toBe(
      'Node n-1 connected: node registered',
    );
    expect(connectionLogLine({ ...change, current: 'DISCONNECTED', reason: 'heartbeat timeout' })).toBe(
      'Node n-1 disconnected: heartbeat timeout',
    );
  });

  it('tells the operator how to approve a node that connected while pending', () => {
    expect(
      connectionLogLine({
        ...change,
        current: 'CONNECTED',
        reason: 'node registered',
        awaitingApproval: true,
      }),
    ).toBe('Node n-1 connected: node registered; it gets no work until approved: bacalhau node approve n-1');
  });
});
