/**
 * `DSATTER_COMMIT_CYCLE_MS`: the group commit's pacing (server/core/group_commit.ts
 * minCycleMs). A small batch of writes commits no sooner than this long after the
 * previous batch began, so that a steady trickle of messages shares commits: each
 * durable commit costs the node a log write, an fdatasync and thread wake-ups
 * (about 250 µs of CPU on the perf machine, perf/RESULTS.md), whatever it holds.
 * Like PostgreSQL's commit_delay: 0 commits every batch as soon as the last one is
 * durable (fastest when idle, most commits under a trickle).
 *
 * Invariant: the value is an integer from 0 to 100; anything else is refused.
 * @module
 */

/** Milliseconds, when DSATTER_COMMIT_CYCLE_MS is unset. */
export const DEFAULT_COMMIT_CYCLE_MS = 0;
export const MAX_COMMIT_CYCLE_MS = 100;

export function commitCycleFromEnv(
  env: (name: string) => string | undefined,
): { ok: true; cycleMs: number } | { ok: false; error: string } {
  const text = env("DSATTER_COMMIT_CYCLE_MS");
  if (text === undefined || text === "") return { ok: true, cycleMs: DEFAULT_COMMIT_CYCLE_MS };
  if (!/^[0-9]{1,3}$/.test(text) || Number(text) > MAX_COMMIT_CYCLE_MS) {
    return {
      ok: false,
      error: `Cannot start: DSATTER_COMMIT_CYCLE_MS must be an integer from 0 to ` +
        `${MAX_COMMIT_CYCLE_MS} (milliseconds), got ${JSON.stringify(text)}`,
    };
  }
  return { ok: true, cycleMs: Number(text) };
}
