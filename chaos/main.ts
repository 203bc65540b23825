/**
 * `make chaos [DURATION=s] [NODES=3..5] [SEED=n] [FAULTS=n]`: one chaos run
 * against real processes, its summary on stdout, exit 0 when every check
 * passed, 1 when one failed, 2 on bad flags. `--check history.json` judges a
 * kept history again without running anything.
 *
 * Invariant: the seed is printed first, whatever happens next, and SIGINT or
 * SIGTERM end the fault phase early but still heal, check and clean up.
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import type { ChaosHistory } from "./chaos_history.ts";
import { formatRunReport } from "./chaos_report.ts";
import { checkHistory } from "./history_check.ts";
import { runChaos } from "./run_chaos.ts";
import { MAX_SEED } from "./seeded_random.ts";

const HELP = `make chaos: faults against a real cluster, then a history check
  --duration S          seconds of faults (default 60)
  --nodes N             3..5 nodes (default 3)
  --seed N              0..${MAX_SEED} (default: random, printed)
  --faults N            end after N faults (with --duration as a cap)
  --artifacts DIR       where a failed run keeps its evidence (default test-artifacts)
  --check FILE          judge a kept history.json again, run nothing`;

function fail(message: string): never {
  console.error(`${message}\n${HELP}`);
  process.exit(2);
}

function integer(
  text: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(`Cannot run chaos: --${name} must be an integer in ${min}..${max}, got "${text}"`);
  }
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: "string" },
      nodes: { type: "string" },
      seed: { type: "string" },
      faults: { type: "string" },
      artifacts: { type: "string", default: "test-artifacts" },
      check: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return console.log(HELP);
  if (values.check) {
    const history = JSON.parse(readFileSync(values.check, "utf8")) as ChaosHistory;
    const verdict = checkHistory(history);
    console.log(verdict.ok ? "PASS" : verdict.failures.map((f) => `FAIL: ${f}`).join("\n"));
    process.exit(verdict.ok ? 0 : 1);
  }
  const durationS = integer(values.duration, "duration", 5, 86_400) ?? 60;
  const nodeCount = integer(values.nodes, "nodes", 3, 5) ?? 3;
  const seed = integer(values.seed, "seed", 0, MAX_SEED) ?? Math.floor(Math.random() * MAX_SEED);
  const maxFaults = integer(values.faults, "faults", 1, 100_000);
  const repeat = `make chaos SEED=${seed} NODES=${nodeCount} DURATION=${durationS}` +
    (maxFaults ? ` FAULTS=${maxFaults}` : "");
  console.log(`chaos: seed ${seed} (repeat: ${repeat})`);
  const abort = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      console.log(`chaos: ${signal}: ending the fault phase, then healing and checking`);
      abort.abort();
    });
  }
  const result = await runChaos({
    seed,
    nodeCount,
    durationMs: durationS * 1000,
    maxFaults,
    artifactsRoot: values.artifacts!,
    log: (line) => console.log(`chaos: ${line}`),
    signal: abort.signal,
  });
  const lines = formatRunReport(result, { seed, nodeCount, repeat });
  for (const line of lines) console.log(line);
  process.exit(result.verdict.ok ? 0 : 1);
}

await main();
