/**
 * `bun perf/native_profile.ts [--out DIR] [--hz N] [--threads N] -- COMMAND...`
 * (`make perf-native ARGS="--only c"`): runs COMMAND under Linux `perf record`
 * (whole machine, call chains) with JavaScriptCore's JIT dump on, names the JIT frames
 * (perf/jit_dump_names.ts, `perf inject --jit`) and prints, for the busiest threads, the
 * sample counts by leaf, by system call and by JS function on the stack
 * (perf/perf_script_summary.ts). Counts are samples: what a thread did while it ran, with
 * the kernel's and SQLite's share, which Bun's own profiler cannot show.
 * Needs `perf` (Debian's linux-perf) and the right to record the whole machine (root).
 * Outputs in DIR (default perf/out/native): perf.data, perf.jit.data, script.txt,
 * summary.txt. Bun's runtime is stripped: its own code shows as "runtime".
 * @module
 */

import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { renameJitDumps } from "./jit_dump_names.ts";
import { busiestThreads, formatSummary, summarizeThread } from "./perf_script_summary.ts";

const HELP = `bun perf/native_profile.ts [--out DIR] [--hz N] [--threads N] -- COMMAND...

  --out DIR      where perf.data, script.txt and summary.txt go (default perf/out/native)
  --hz N         samples per second per CPU (default 2000: more slows the run it measures)
  --threads N    how many of the busiest threads to summarize (default 6)
  --top N        lines per part of each summary (default 30)

Example: bun perf/native_profile.ts -- bun perf/main.ts --only c --latency-rate 6000`;

const { values, positionals } = parseArgs({
  options: {
    out: { type: "string", default: "perf/out/native" },
    hz: { type: "string", default: "2000" },
    threads: { type: "string", default: "6" },
    top: { type: "string", default: "30" },
    help: { type: "boolean", default: false },
  },
  allowPositionals: true,
});

if (values.help || positionals.length === 0) {
  console.log(HELP);
  process.exit(values.help ? 0 : 2);
}

const out = resolve(values.out);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** Runs a command to its end; exits with a clear line when it cannot start or fails. */
function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, {
    env: options.env ?? process.env,
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (result.error) {
    console.error(`native_profile: cannot run ${command}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0 && command === "perf") {
    console.error(`native_profile: ${command} ${args[0]} exited with ${result.status}`);
    process.exit(1);
  }
  return result.stdout;
}

const recording = `${out}/perf.data`;
const env = { ...process.env, BUN_JSC_useJITDump: "1", BUN_JSC_jitDumpDirectory: out };
process.stdout.write(run("perf", [
  "record",
  "-F",
  values.hz,
  "-k",
  "1",
  "-a",
  "-g",
  "-o",
  recording,
  "--",
  ...positionals,
], { env }));

const fixed = renameJitDumps(readFileSync(recording));
for (const rename of fixed.renames) copyFileSync(rename.from, rename.to);
writeFileSync(recording, fixed.recording);
run("perf", ["inject", "--jit", "-i", recording, "-o", `${out}/perf.jit.data`]);
const script = run("perf", [
  "script",
  "-i",
  `${out}/perf.jit.data`,
  "-F",
  "comm,tid,ip,sym,dso",
]);
writeFileSync(`${out}/script.txt`, script);

const summaries = busiestThreads(script, Number(values.threads)).map(([tid]) =>
  formatSummary(summarizeThread(script, tid), Number(values.top))
);
writeFileSync(`${out}/summary.txt`, summaries.join("\n\n") + "\n");
console.log(summaries.join("\n\n"));
console.log(`native_profile: outputs in ${out}/`);
