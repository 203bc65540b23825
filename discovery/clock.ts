/**
 * The time source of the discovery core. Deadlines and sweeps read it, so tests
 * can move time by hand instead of sleeping.
 *
 * Invariant: `nowMs()` is wall-clock milliseconds since the epoch (deadlines are
 * stored in KV and compared by other processes, so it cannot be monotonic time).
 * @module
 */

export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

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
