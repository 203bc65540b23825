/**
 * Capped, jittered exponential backoff for every re-dial and reconnect loop.
 * Pure: randomness is injected.
 * @module
 */

export interface BackoffOptions {
  /** Delay scale of the first retry. @default 250 */
  baseMs?: number;
  /** No delay is longer than this. @default 10_000 */
  maxMs?: number;
  /** A source of numbers in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (0 for the first): half of the capped
 * exponential plus a random share of the other half ("equal jitter"), so
 * retries spread out but never come back at once.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = 250, maxMs = 10_000, random = Math.random } = options;
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`Cannot compute backoff: attempt ${attempt} is not an integer >= 0`);
  }
  if (!(baseMs > 0) || !(maxMs >= baseMs)) {
    throw new RangeError(`Cannot compute backoff: need 0 < baseMs <= maxMs`);
  }
  const capped = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped / 2 + random() * (capped / 2));
}
