/**
 * How often a node heartbeats, as this orchestrator sees it: the gaps between its arrivals (handshakes
 * and heartbeats, accepted or not). Kept per node ID across reconnects, so a node that heartbeats less
 * often than DisconnectTimeout and was taken for lost once is known from then on.
 */

/** Gaps kept; the usual gap is the longest of them, so one early heartbeat (capacity freed) does not hide the pace. */
const GapsKept = 5;

export class HeartbeatPace {
  #last: number | undefined;
  readonly #gaps: number[] = [];

  /** @param longestGapMs a longer silence is an outage, not the node's pace, and is not counted */
  constructor(private readonly longestGapMs: number) {}

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

  /** The longest recent gap between arrivals; 0 before two arrivals. */
  usualGapMs(): number {
    return this.#gaps.length === 0 ? 0 : Math.max(...this.#gaps);
  }
}
