/**
 * The chaos harness's one pause: resolves after `ms`, or at once when `signal`
 * aborts (it never rejects, so a loop just checks its own stop condition next).
 * @module
 */

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
