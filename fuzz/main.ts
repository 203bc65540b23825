/**
 * `make fuzz [CASES=N] [SEED=S] [SURFACES=client,rest,peer,discovery,access]`: runs the
 * fuzzers against a cluster of real processes and prints, per surface, the cases,
 * the failures, the time and the target's RSS before and after. The seed is
 * printed first; the same SEED repeats the run's cases. The figures go to
 * test-artifacts/fuzz-seed<S>.json with the machine they ran on.
 * Exit 1 when a surface failed or a process died.
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { formatMachineInfo, readMachineInfo } from "../perf/machine_info.ts";
import { summaryLine } from "./fuzz_report.ts";
import { runFuzz, type SurfaceName, SURFACES } from "./run_fuzz.ts";
import { seedFromEnv } from "./seed_from_env.ts";

function parseSurfaces(value: string | undefined): SurfaceName[] {
  if (!value) return [...SURFACES];
  const names = value.split(",").map((name) => name.trim());
  for (const name of names) {
    if (!(SURFACES as readonly string[]).includes(name)) {
      throw new RangeError(`Cannot fuzz ${name}: SURFACES takes ${SURFACES.join(",")}`);
    }
  }
  return names as SurfaceName[];
}

const seed = seedFromEnv(process.env.SEED);
const cases = Number(process.env.CASES || 10_000);
if (!Number.isSafeInteger(cases) || cases < 2) {
  throw new RangeError(`Cannot run CASES=${process.env.CASES}`);
}
const surfaces = parseSurfaces(process.env.SURFACES);
const loadAtStart = (await import("node:os")).loadavg();
console.log(
  `fuzz: seed ${seed} (repeat with SEED=${seed}), ${cases} cases per surface: ${
    surfaces.join(", ")
  }`,
);
const run = await runFuzz({
  seed,
  cases,
  surfaces,
  onSurface(report) {
    console.log(summaryLine(report));
    for (const failure of report.failures.slice(0, 10)) {
      console.log(
        `  FAIL ${failure.label}: expected ${failure.expected}; got ${failure.got}\n    input: ${failure.input}`,
      );
    }
  },
});
const machine = readMachineInfo(undefined, loadAtStart);
for (const crash of run.crashed) console.log(`CRASHED ${crash}`);
const failures = run.reports.reduce((sum, report) => sum + report.failureCount, 0) +
  run.crashed.length;
console.log(
  `${
    failures === 0 ? "ok" : "FAILED"
  }: ${failures} failures, ${run.crashed.length} crashed processes`,
);
console.log(formatMachineInfo(machine));
mkdirSync("test-artifacts", { recursive: true });
const file = `test-artifacts/fuzz-seed${seed}.json`;
writeFileSync(
  file,
  JSON.stringify({ command: `make fuzz CASES=${cases} SEED=${seed}`, machine, ...run }, null, 2),
);
console.log(`figures: ${file}`);
process.exit(failures === 0 ? 0 : 1);
