import { expect, test } from "bun:test";
import { commitCycleFromEnv, DEFAULT_COMMIT_CYCLE_MS } from "./commit_cycle.ts";

const envOf = (value: string | undefined) => (name: string) =>
  name === "DSATTER_COMMIT_CYCLE_MS" ? value : undefined;

test("DSATTER_COMMIT_CYCLE_MS: unset is the default, 0..100 are taken, the rest refused", () => {
  expect(commitCycleFromEnv(envOf(undefined))).toEqual({
    ok: true,
    cycleMs: DEFAULT_COMMIT_CYCLE_MS,
  });
  expect(commitCycleFromEnv(envOf("0"))).toEqual({ ok: true, cycleMs: 0 });
  expect(commitCycleFromEnv(envOf("2"))).toEqual({ ok: true, cycleMs: 2 });
  expect(commitCycleFromEnv(envOf("100"))).toEqual({ ok: true, cycleMs: 100 });
  for (const bad of ["101", "-1", "1.5", "2ms", " 2"]) {
    const outcome = commitCycleFromEnv(envOf(bad));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error).toContain("DSATTER_COMMIT_CYCLE_MS");
  }
});
