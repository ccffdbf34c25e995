/**
 * The wait before a retry that doubles each time: `firstMs` after the first failure (`attempt` 0),
 * then twice the last, never more than `maxMs`. The exponent stops at 30, so a zero `firstMs` never
 * meets an infinite power.
 */
export function doublingDelayMs(attempt: number, limits: { firstMs: number; maxMs: number }): number {
  return Math.min(limits.maxMs, limits.firstMs * 2 ** Math.min(Math.max(attempt, 0), 30));
}
