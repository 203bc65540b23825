/**
 * The one way to wait a while: resolves after `ms`, or at once when the signal
 * aborts, so a loop that waits between rounds stops as soon as it is closed.
 *
 * Invariant: never rejects; the timer and the abort listener are both gone once
 * it has resolved (nothing keeps a closed loop alive).
 * @module
 */

/** Resolves after ms, or at once when the signal aborts (already aborted: at once). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
