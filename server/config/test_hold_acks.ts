/**
 * `DSATTER_TEST_HOLD_ACKS=1`: a test-only hook that lets a crash test kill a
 * node at the one moment no other test reaches on purpose: a batch of writes
 * is durable on disk, and neither its acknowledgements nor its deliveries have
 * gone out. The node logs `test hook: batch durable, acknowledgements held`
 * and then waits for ever (until killed). Refused in production.
 *
 * Invariant: unset, empty or "0" means no hook; "1" means the hook; anything
 * else, or any value in production, is an error that stops the node.
 * @module
 */

export const HOLD_ACKS_LINE = "test hook: batch durable, acknowledgements held";

export type HoldAcks = { ok: true; hold: boolean } | { ok: false; error: string };

/** The hook's setting in env, checked. */
export function holdAcksFromEnv(
  env: (name: string) => string | undefined,
  production: boolean,
): HoldAcks {
  const text = env("DSATTER_TEST_HOLD_ACKS");
  if (text === undefined || text === "" || text === "0") return { ok: true, hold: false };
  if (production) {
    return {
      ok: false,
      error: "Cannot start: DSATTER_TEST_HOLD_ACKS is for tests and refused in production",
    };
  }
  if (text !== "1") {
    return {
      ok: false,
      error: `Cannot start: DSATTER_TEST_HOLD_ACKS must be 0 or 1, got "${text}"`,
    };
  }
  return { ok: true, hold: true };
}
