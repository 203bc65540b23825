/**
 * The one time seam of every part: code that reads the time takes a Clock, so a
 * test moves time by hand (createManualClock) instead of sleeping.
 *
 * Invariant: systemClock.nowMs() is wall-clock milliseconds since the epoch
 * (deadlines stored in discovery's KV and stamps on messages are compared across
 * processes, so they cannot be monotonic); monotonicClock.nowMs() never goes
 * back, for intervals inside one process (idle checks, rates).
 * @module
 */

export interface Clock {
  nowMs(): number;
}

/** Wall clock: ms since the epoch. */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** Monotonic ms since the process started: for intervals only. */
export const monotonicClock: Clock = { nowMs: () => performance.now() };

/** A clock that moves only when told: for tests. */
export interface ManualClock extends Clock {
  advanceMs(ms: number): void;
}

export function createManualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let now = startMs;
  return {
    nowMs: () => now,
    advanceMs(ms) {
      now += ms;
    },
  };
}
