/**
 * `DSATTER_CLOCK_OFFSET_MS`: a test-only shift of the node's wall clock, as the
 * hybrid logical clock reads it, so that `make chaos` can run a node whose clock
 * is ahead or behind the others'. Refused in production: a real deployment
 * fixes its clock with NTP, not with a knob.
 *
 * Invariant: unset or empty means no offset; anything else is either a safe
 * integer within ±MAX_CLOCK_OFFSET_MS or an error that stops the node.
 * @module
 */

import { type Clock, systemClock } from "../../common/clock.ts";

/** An offset beyond a day is a typo, not a test. */
export const MAX_CLOCK_OFFSET_MS = 86_400_000;

export type ClockOffset = { ok: true; offsetMs: number } | { ok: false; error: string };

/** The offset set in env, checked. */
export function clockOffsetFromEnv(
  env: (name: string) => string | undefined,
  production: boolean,
): ClockOffset {
  const text = env("DSATTER_CLOCK_OFFSET_MS");
  if (text === undefined || text === "") return { ok: true, offsetMs: 0 };
  if (production) {
    return {
      ok: false,
      error: "Cannot start: DSATTER_CLOCK_OFFSET_MS is for tests and refused in production",
    };
  }
  const offsetMs = Number(text);
  if (!/^-?[0-9]+$/.test(text) || Math.abs(offsetMs) > MAX_CLOCK_OFFSET_MS) {
    return {
      ok: false,
      error:
        `Cannot start: DSATTER_CLOCK_OFFSET_MS must be an integer within ±${MAX_CLOCK_OFFSET_MS}, got "${text}"`,
    };
  }
  return { ok: true, offsetMs };
}

/** The wall clock the node's hybrid clock reads: the system clock shifted by the offset. */
export function offsetClock(offsetMs: number, clock: Clock = systemClock): Clock {
  return offsetMs === 0 ? clock : { nowMs: () => clock.nowMs() + offsetMs };
}
