import { describe, expect, it } from 'vitest';
import { type QueuedWrite, RequestsRecentMs, WriteQueue } from './write-queue.js';

/** A queue on a clock the test moves, whose commits are counted, with named writes. */
function queue(backgroundTurnMs = 1) {
  let now = 1_000;
  let commits = 0;
  const writes = new WriteQueue({ commit: () => commits++, backgroundTurnMs, now: () => now });
  const named = new Map<QueuedWrite, string>();
  const add = (name: string, background = false) => {
    const write: QueuedWrite = { fn: () => undefined, resolve: () => undefined, reject: () => undefined };
    named.set(write, name);
    writes.add(write, background);
  };
  /** Takes a turn's writes, the clock moving `msEach` per write taken. */
  const turn = (msEach = 0, all = false) => {
    writes.startTurn(all);
    const taken: string[] = [];
    while (writes.more()) {
      for (let write = writes.next(); write !== undefined; write = writes.next()) {
        taken.push(named.get(write) ?? '?');
        now += msEach;
      }
    }
    return taken;
  };
  const nextTurn = () => new Promise<number>((resolve) => setImmediate(() => resolve(commits)));
  return {
    writes,
    add,
    turn,
    nextTurn,
    elapse: (ms: number) => (now += ms),
    names: (list: QueuedWrite[]) => list.map((w) => named.get(w)),
  };
}

describe('WriteQueue', () => {
  it("gives the requests' writes first, then background ones, each in the order added", () => {
    const q = queue();
    q.add('b1', true);
    q.add('r1');
    q.add('b2', true);
    q.add('r2');
    expect(q.turn()).toEqual(['r1', 'r2', 'b1', 'b2']);
    expect(q.turn()).toEqual([]);
  });

  it('commits once at the next turn, however many writes were added', async () => {
    const q = queue();
    q.add('r1');
    q.add('b1', true);
    q.add('r2');
    expect(await q.nextTurn()).toBe(1);
    expect(await q.nextTurn()).toBe(1);
  });

  it('limits background writes to the turn’s time while requests arrive, and the rest get a turn', async () => {
    const q = queue(1);
    q.add('r1');
    for (const n of [1, 2, 3, 4, 5]) q.add(`b${n}`, true);
    await q.nextTurn();
    // each write takes 0.4 ms: the turn's millisecond, from its first background write, ends after b3
    expect(q.turn(0.4)).toEqual(['r1', 'b1', 'b2', 'b3']);
    expect(await q.nextTurn()).toBe(2);
    expect(q.turn(0.4)).toEqual(['b4', 'b5']);
  });

  it("never leaves a turn without a background write, whatever the requests' writes took", () => {
    const q = queue(1);
    for (const name of ['r1', 'r2', 'r3']) q.add(name);
    for (const name of ['b1', 'b2']) q.add(name, true);
    expect(q.turn(5)).toEqual(['r1', 'r2', 'r3', 'b1']);
    expect(q.turn(5)).toEqual(['b2']);
  });

  it('lifts the limit once no request was queued for a while', () => {
    const q = queue(0);
    q.add('r1');
    q.add('b1', true);
    q.add('b2', true);
    expect(q.turn()).toEqual(['r1', 'b1']);
    q.elapse(RequestsRecentMs / 2);
    expect(q.turn()).toEqual(['b2']);
    for (const name of ['b3', 'b4', 'b5']) q.add(name, true);
    q.elapse(RequestsRecentMs);
    expect(q.turn(1)).toEqual(['b3', 'b4', 'b5']);
  });

  it('gives every write to a turn that takes all (a store closing)', () => {
    const q = queue(0);
    q.add('r1');
    for (const name of ['b1', 'b2', 'b3']) q.add(name, true);
    expect(q.turn(1, true)).toEqual(['r1', 'b1', 'b2', 'b3']);
  });

  it("takes every waiting write at once, requests' first", () => {
    const q = queue();
    q.add('b1', true);
    q.add('r1');
    expect(q.names(q.writes.takeAll())).toEqual(['r1', 'b1']);
    expect(q.turn()).toEqual([]);
  });
});
