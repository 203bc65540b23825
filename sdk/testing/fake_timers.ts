/**
 * Fake time for the client core's tests: timers run only when the test moves
 * the clock with advance(), in due order, and promise callbacks queued by them
 * get to run in between, so async loops (the failover loop) step through
 * hours of backoff and silence in microseconds, without a single sleep.
 *
 * Invariant: advance(ms) runs exactly the timers due within the window, each
 * with nowMs() equal to its due time, and ends with nowMs() = start + ms.
 * @module
 */

import type { TimerHandle, Timers } from "../timers.ts";

interface Scheduled {
  id: number;
  dueMs: number;
  run: () => void;
}

export interface FakeTimers extends Timers {
  /** Moves time forward, running what falls due (and the promise jobs they queue). */
  advance(ms: number): Promise<void>;
  /** Lets queued promise jobs run without moving time. */
  settle(): Promise<void>;
  /** Timers still scheduled. */
  pending(): number;
}

/** Enough turns of the job queue for a chain of awaits to finish. */
async function drainJobs(): Promise<void> {
  for (let turn = 0; turn < 50; turn++) await Promise.resolve();
}

export function createFakeTimers(startMs = 1_000_000): FakeTimers {
  let now = startMs;
  let nextId = 1;
  const scheduled: Scheduled[] = [];
  return {
    nowMs: () => now,
    setTimeout(run, ms): TimerHandle {
      const timer = { id: nextId++, dueMs: now + Math.max(0, ms), run };
      scheduled.push(timer);
      return timer.id;
    },
    clearTimeout(handle) {
      const index = scheduled.findIndex((timer) => timer.id === handle);
      if (index >= 0) scheduled.splice(index, 1);
    },
    async advance(ms) {
      const end = now + ms;
      await drainJobs();
      for (;;) {
        scheduled.sort((a, b) => a.dueMs - b.dueMs || a.id - b.id);
        const next = scheduled[0];
        if (!next || next.dueMs > end) break;
        scheduled.shift();
        now = next.dueMs;
        next.run();
        await drainJobs();
      }
      now = end;
      await drainJobs();
    },
    settle: drainJobs,
    pending: () => scheduled.length,
  };
}
