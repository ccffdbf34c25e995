import { describe, expect, it, vi } from 'vitest';
import { ActiveStreams, type ActiveStream } from './active-streams.js';

function stream(
  consumerId: string,
  streamId: string,
  subject = 'node.compute.n.ExecutionLogs/v1',
): ActiveStream {
  return { consumerId, streamId, subject, cancel: vi.fn() };
}

describe('ActiveStreams', () => {
  it('lists each consumer once, its streams grouped by request subject', () => {
    const streams = new ActiveStreams();
    streams.add(stream('a.', '1', 's1'), 'hb-a');
    streams.add(stream('a.', '2', 's2'), 'hb-a');
    streams.add(stream('a.', '3', 's1'), 'hb-a');
    streams.add(stream('b.', '1', 's1'), 'hb-b');
    expect(streams.heartbeats()).toEqual([
      {
        consumerId: 'a.',
        subject: 'hb-a',
        active: { s1: ['1', '3'], s2: ['2'] },
        streamIds: ['1', '2', '3'],
      },
      { consumerId: 'b.', subject: 'hb-b', active: { s1: ['1'] }, streamIds: ['1'] },
    ]);
  });

  it('refuses a second stream of the same ID from the same consumer', () => {
    const streams = new ActiveStreams();
    expect(streams.add(stream('a.', '1'), 'hb')).toBe(true);
    expect(streams.add(stream('a.', '1'), 'hb')).toBe(false);
    expect(streams.add(stream('b.', '1'), 'hb')).toBe(true);
  });

  it('cancels only the named streams of that consumer, once, and forgets consumers left with none', () => {
    const streams = new ActiveStreams();
    const a1 = stream('a.', '1');
    const a2 = stream('a.', '2');
    const b1 = stream('b.', '1');
    for (const s of [a1, a2, b1]) streams.add(s, `hb-${s.consumerId}`);
    streams.cancel('a.', ['1', 'unknown']);
    streams.cancel('a.', ['1']);
    expect(a1.cancel).toHaveBeenCalledTimes(1);
    expect(a2.cancel).not.toHaveBeenCalled();
    expect(b1.cancel).not.toHaveBeenCalled();
    streams.cancel('a.', ['2']);
    expect(streams.heartbeats().map((h) => h.consumerId)).toEqual(['b.']);
  });

  it('removes a stream that ended, but not a newer one that reuses its ID', () => {
    const streams = new ActiveStreams();
    const old = stream('a.', '1');
    streams.add(old, 'hb');
    streams.cancel('a.', ['1']);
    const newer = stream('a.', '1');
    streams.add(newer, 'hb');
    streams.remove(old);
    expect(streams.heartbeats()).toHaveLength(1);
    streams.remove(newer);
    expect(streams.heartbeats()).toEqual([]);
  });
});
