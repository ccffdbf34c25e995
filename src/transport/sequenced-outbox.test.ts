import { describe, expect, it } from 'vitest';
import { SequencedOutbox } from './sequenced-outbox.js';

interface Item {
  seqNum: number;
  text: string;
  onProcessed?: () => void;
}

const outboxOf = () => new SequencedOutbox<Item>((item, seqNum) => ({ ...item, seqNum }));
const seqNums = (outbox: Iterable<Item>) => [...outbox].map((item) => item.seqNum);

describe('SequencedOutbox', () => {
  it('numbers messages in order and keeps them until acknowledged', () => {
    const outbox = outboxOf();
    const first = outbox.push((seqNum) => ({ seqNum, text: 'a' }));
    outbox.push((seqNum) => ({ seqNum, text: 'b' }));
    outbox.push((seqNum) => ({ seqNum, text: 'c' }));
    expect(first).toEqual({ seqNum: 1, text: 'a' });
    expect(outbox.lastSeqNum).toBe(3);
    expect(seqNums(outbox)).toEqual([1, 2, 3]);

    outbox.acknowledge(2);
    expect(seqNums(outbox)).toEqual([3]);
    expect(outbox.ackedSeqNum).toBe(2);
    expect(outbox.length).toBe(1);
  });

  it('tells each sender once its message is processed, in order, and an old acknowledgement changes nothing', () => {
    const outbox = outboxOf();
    const told: string[] = [];
    for (const text of ['a', 'b', 'c'])
      outbox.push((seqNum) => ({ seqNum, text, onProcessed: () => told.push(text) }));
    outbox.acknowledge(2);
    outbox.acknowledge(1);
    outbox.acknowledge(2);
    expect(told).toEqual(['a', 'b']);
    expect(outbox.ackedSeqNum).toBe(2);
  });

  it('counts an acknowledgement no further than what was queued', () => {
    const outbox = outboxOf();
    outbox.push((seqNum) => ({ seqNum, text: 'a' }));
    outbox.acknowledge(10);
    expect(outbox.ackedSeqNum).toBe(1);
    // a message queued afterwards is not covered by the stray number
    outbox.push((seqNum) => ({ seqNum, text: 'b' }));
    expect(seqNums(outbox)).toEqual([2]);
  });

  it('ignores an acknowledgement that is not a whole number', () => {
    const outbox = outboxOf();
    outbox.push((seqNum) => ({ seqNum, text: 'a' }));
    outbox.push((seqNum) => ({ seqNum, text: 'b' }));
    for (const bad of [NaN, Infinity, 0.5, -1]) outbox.acknowledge(bad);
    expect(outbox.ackedSeqNum).toBe(0);
    outbox.acknowledge(1);
    expect(seqNums(outbox)).toEqual([2]);
    expect(outbox.ackedSeqNum).toBe(1);
  });

  it('renumbers what is queued to follow where the receiver counts from', () => {
    const outbox = outboxOf();
    const told: string[] = [];
    for (const text of ['a', 'b'])
      outbox.push((seqNum) => ({ seqNum, text, onProcessed: () => told.push(text) }));
    outbox.rebase(40);
    expect([...outbox].map(({ seqNum, text }) => ({ seqNum, text }))).toEqual([
      { seqNum: 41, text: 'a' },
      { seqNum: 42, text: 'b' },
    ]);
    expect(outbox.lastSeqNum).toBe(42);
    expect(outbox.ackedSeqNum).toBe(40);
    expect(outbox.push((seqNum) => ({ seqNum, text: 'c' })).seqNum).toBe(43);
    outbox.acknowledge(41);
    expect(told).toEqual(['a']);
  });

  it('rebases below its own numbers too (the receiver started over)', () => {
    const outbox = outboxOf();
    for (const text of ['a', 'b', 'c']) outbox.push((seqNum) => ({ seqNum, text }));
    outbox.acknowledge(2);
    outbox.rebase(0);
    expect(seqNums(outbox)).toEqual([1]);
    expect(outbox.lastSeqNum).toBe(1);
  });

  it('forgets everything on clear, telling nobody, and goes on numbering', () => {
    const outbox = outboxOf();
    let told = 0;
    outbox.push((seqNum) => ({ seqNum, text: 'a', onProcessed: () => told++ }));
    outbox.clear();
    outbox.acknowledge(1);
    expect(told).toBe(0);
    expect(outbox.length).toBe(0);
    expect(outbox.push((seqNum) => ({ seqNum, text: 'b' })).seqNum).toBe(2);
  });
});
