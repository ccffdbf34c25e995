/**
 * An injectable source of randomness, so code that jitters or samples can be tested deterministically.
 * Not for secrets: use `node:crypto` for those.
 */
export interface RandomSource {
  /** A float in [0, 1). */
  next(): number;
}

/** `Math.random()`. */
export const mathRandom: RandomSource = Object.freeze({ next: () => Math.random() });

/**
 * A deterministic source (SplitMix32 over a 32-bit state): the same seed always gives the same
 * sequence. Good statistical quality for jitter and sampling; not cryptographic.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return {
    next(): number {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      z = (z ^ (z >>> 16)) >>> 0;
      return z / 2 ** 32;
    },
  };
}

/** An integer in [0, bound) from `random`; `bound` must be a positive integer. */
export function randomInt(random: RandomSource, bound: number): number {
  if (!Number.isInteger(bound) || bound <= 0)
    throw new RangeError(`bound must be a positive integer: ${bound}`);
  return Math.floor(random.next() * bound);
}
