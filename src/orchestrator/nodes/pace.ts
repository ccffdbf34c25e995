/**
 * How often a node heartbeats, as this orchestrator sees it: the gaps between its arrivals (handshakes
 * and heartbeats, accepted or not). Kept per node ID across reconnects, so a node that heartbeats less
 * often than DisconnectTimeout and was taken for lost once is known from then on.
 */

/**
 * Gaps kept. The usual gap is the second longest of them: one early heartbeat (capacity freed) does
 * not hide the pace, and one outage does not pass for it (a dead node would be waited for as long).
 */
const GapsKept = 5;

export class HeartbeatPace {
  #last: number | undefined;
  readonly #gaps: number[] = [];

  /** @param longestGapMs a longer silence is an outage, not the node's pace, and is not counted */
  constructor(readonly longestGapMs: number) {}

  /** The node was heard from at `now` (epoch ms). */
  arrive(now: number): void {
    if (this.#last !== undefined) {
      const gap = now - this.#last;
      if (gap > 0 && gap <= this.longestGapMs) {
        this.#gaps.push(gap);
        if (this.#gaps.length > GapsKept) this.#gaps.shift();
      }
    }
    this.#last = now;
  }

  /** The second longest recent gap between arrivals (the only one, if one); 0 before two arrivals. */
  usualGapMs(): number {
    const sorted = [...this.#gaps].sort((a, b) => b - a);
    return sorted[sorted.length === 1 ? 0 : 1] ?? 0;
  }

  /** When the node was last heard from (epoch ms); undefined if never. */
  get lastArrival(): number | undefined {
    return this.#last;
  }
}
