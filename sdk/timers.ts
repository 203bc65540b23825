/**
 * The time seam of the client core: the session, the failover loop and the
 * liveness check read the time and set timers only through a `Timers`, so tests
 * drive them with fake time (sdk/testing/fake_timers.ts) instead of sleeping,
 * and the core runs unchanged in Deno, Bun, Node and a browser.
 *
 * Invariant: a cleared timer never runs; `nowMs()` is milliseconds on one
 * clock for the whole life of the client (intervals only, never stored).
 * @module
 */

/** What setTimeout gives back, whatever the runtime's type for it. */
export type TimerHandle = unknown;

export interface Timers {
  nowMs(): number;
  /** Runs `run` once, `ms` from now. */
  setTimeout(run: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The runtime's own timers (every JavaScript runtime has these globals). */
export const systemTimers: Timers = {
  nowMs: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after ms, or at once when the signal aborts. Never rejects. */
export function sleepWith(timers: Timers, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const handle = timers.setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      timers.clearTimeout(handle);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
