/**
 * The short fuzz run of `make test`: every surface (client frames, node REST,
 * peer frames, discovery bodies, access: tokens and private chats) against real processes, a few thousand cases
 * each. The seed is printed; `SEED=<seed>` repeats the run.
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { summaryLine } from "./fuzz_report.ts";
import { runFuzz } from "./run_fuzz.ts";
import { seedFromEnv } from "./seed_from_env.ts";

setDefaultTimeout(300_000);

const MIB = 1024 * 1024;

test("fuzzers: no crash, every refusal as the contract says, nothing stored from refused input", async () => {
  const seed = seedFromEnv(process.env.SEED);
  const cases = Number(process.env.FUZZ_SMOKE_CASES || 3000);
  console.log(`fuzz smoke: seed ${seed} (repeat with SEED=${seed}), ${cases} cases per surface`);
  const run = await runFuzz({ seed, cases });
  for (const report of run.reports) {
    console.log(summaryLine(report));
    for (const failure of report.failures.slice(0, 5)) {
      console.log(
        `  FAIL ${failure.label}: expected ${failure.expected}; got ${failure.got}\n    input: ${failure.input}`,
      );
    }
  }
  expect(run.crashed).toEqual([]);
  expect(run.reports.map((r) => r.surface).length).toBe(5);
  for (const report of run.reports) {
    expect({ surface: report.surface, failures: report.failureCount }).toEqual({
      surface: report.surface,
      failures: 0,
    });
    expect(report.unchangedChecked).toBe(true);
    expect(report.cases).toBe(cases);
    // A short run cannot judge a trend; it can show that no surface balloons a process.
    expect(Math.max(...report.rssBytes)).toBeLessThan(512 * MIB);
  }
});
