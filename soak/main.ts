/**
 * `make soak [DURATION=seconds] [SEED=S] [SAMPLE_MS=ms]`: runs the soak (three
 * nodes and discovery under steady load, slow readers, reconnect and chat
 * churn), prints a line per sample and every check with its figures, and
 * writes the samples to test-artifacts/soak-seed<S>-<DURATION>s.json and .csv.
 * Exit 1 when a check failed.
 * @module
 */

import { mkdirSync } from "node:fs";
import { formatMachineInfo, readMachineInfo } from "../perf/machine_info.ts";
import { seedFromEnv } from "../fuzz/seed_from_env.ts";
import { runSoak } from "./run_soak.ts";
import { writeSamples } from "./soak_sampler.ts";

const MIB = 1024 * 1024;
const durationSeconds = Number(process.env.DURATION || 1800);
if (!(durationSeconds >= 30)) {
  throw new RangeError(`Cannot soak for DURATION=${process.env.DURATION}: at least 30 s`);
}
const seed = seedFromEnv(process.env.SEED);
const sampleIntervalMs = Number(process.env.SAMPLE_MS || 5000);
const loadAtStart = (await import("node:os")).loadavg();
console.log(
  `soak: ${durationSeconds} s, seed ${seed} (repeat with SEED=${seed}), a sample every ${sampleIntervalMs} ms`,
);
const result = await runSoak({
  durationSeconds,
  seed,
  sampleIntervalMs,
  onSample(sample) {
    const parts = Object.entries(sample.processes).map(([name, p]) =>
      `${name} ${((p.rssBytes ?? 0) / MIB).toFixed(0)}M/${p.fds}fd` +
      (p.walBytes !== undefined ? `/wal ${((p.walBytes ?? 0) / MIB).toFixed(1)}M` : "")
    );
    console.log(`t=${sample.t}s acked=${sample.acked} ${parts.join(" ")}`);
  },
});
for (const check of result.checks) {
  console.log(`${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);
}
for (const example of result.duplicateExamples) console.log(`  duplicate: ${example}`);
console.log(`counters: ${JSON.stringify(result.counters)}`);
const machine = readMachineInfo(undefined, loadAtStart);
console.log(formatMachineInfo(machine));
mkdirSync("test-artifacts", { recursive: true });
const base = `test-artifacts/soak-seed${seed}-${durationSeconds}s`;
const { samples, ...summary } = result;
writeSamples(base, samples, {
  command: `make soak DURATION=${durationSeconds} SEED=${seed}`,
  machine,
  ...summary,
});
console.log(`${result.ok ? "ok" : "FAILED"}: samples in ${base}.json and ${base}.csv`);
process.exit(result.ok ? 0 : 1);
