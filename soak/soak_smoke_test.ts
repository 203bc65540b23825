/**
 * The soak's smoke run in `make test`: two and a half minutes of steady writes,
 * slow readers, reconnect and chat churn on three nodes, sampled every two
 * seconds; every check of soak_checks.ts must pass. `make soak` runs it for
 * as long as asked.
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { seedFromEnv } from "../fuzz/seed_from_env.ts";
import { runSoak } from "./run_soak.ts";
import { writeSamples } from "./soak_sampler.ts";
import { mkdirSync } from "node:fs";

setDefaultTimeout(600_000);

test("soak smoke: nothing grows without bound, slow readers are dropped, no acknowledged message is lost", async () => {
  const seed = seedFromEnv(process.env.SEED);
  const durationSeconds = Number(process.env.SOAK_SMOKE_SECONDS || 150);
  console.log(`soak smoke: ${durationSeconds} s, seed ${seed} (repeat with SEED=${seed})`);
  const result = await runSoak({ durationSeconds, seed, sampleIntervalMs: 2000 });
  mkdirSync("test-artifacts", { recursive: true });
  const { samples, ...summary } = result;
  writeSamples("test-artifacts/soak-smoke", samples, summary);
  for (const check of result.checks) {
    console.log(`${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);
  }
  for (const example of result.duplicateExamples) console.log(`  duplicate: ${example}`);
  expect(result.checks.filter((check) => !check.ok)).toEqual([]);
  expect(result.counters.acked).toBeGreaterThan(1000);
});
