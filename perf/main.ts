/**
 * `bun perf/main.ts [flags]` (and `make perf`): the perf harness's entry point.
 * Parses flags and wires runPerf; prints one JSON line per scenario as it ends,
 * then the table. Exits 1 when any scenario lost, duplicated or failed.
 * @module
 */

import process from "node:process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { runPerf } from "./perf_run.ts";
import { SCENARIO_KEYS, type ScenarioKey } from "./scenario_profiles.ts";

const HELP = `bun perf/main.ts [flags]

  --smoke            the short variants (what make test runs), not the full run
  --only a,b,...     scenarios to run: ${SCENARIO_KEYS.join(", ")}
  --cluster URL      load a running cluster (its discovery URL) instead of starting one
  --out DIR          where to write results.jsonl, table.txt, chart.svg, report.md
                     (default perf/out)
  --rate-limit N     --rate-limit of the nodes this run starts (default 1000000)
  --latency-rate N   messages/s for (c) instead of 25% of (b)'s rate
  --backbone         the cluster it starts replicates through a local nats-server (JetStream)
  --profile DIR      run the nodes it starts under Bun's CPU profiler (Markdown, one per node)
  --echo             copy the started processes' output to stderr
  --help`;

const { values } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    only: { type: "string" },
    cluster: { type: "string" },
    out: { type: "string", default: "perf/out" },
    "rate-limit": { type: "string" },
    "latency-rate": { type: "string" },
    echo: { type: "boolean", default: false },
    profile: { type: "string" },
    backbone: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const keys = values.only?.split(",").map((key) => key.trim()) as ScenarioKey[] | undefined;
const unknown = keys?.filter((key) => !SCENARIO_KEYS.includes(key));
if (unknown && unknown.length > 0) {
  console.error(`Cannot run perf: unknown scenario ${unknown.join(", ")}\n\n${HELP}`);
  process.exit(2);
}
const rateLimit = values["rate-limit"] === undefined ? undefined : Number(values["rate-limit"]);
if (rateLimit !== undefined && !(Number.isInteger(rateLimit) && rateLimit > 0)) {
  console.error("Cannot run perf: --rate-limit must be a positive integer");
  process.exit(2);
}

const latencyRate = values["latency-rate"] === undefined
  ? undefined
  : Number(values["latency-rate"]);
if (latencyRate !== undefined && !(latencyRate > 0)) {
  console.error("Cannot run perf: --latency-rate must be a positive number");
  process.exit(2);
}

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`perf: ${signal}, stopping`);
    controller.abort();
  });
}

const result = await runPerf({
  profile: values.smoke ? "smoke" : "full",
  clusterUrl: values.cluster,
  keys,
  outDir: values.out,
  rateLimit,
  latencyRatePerSecond: latencyRate,
  echo: values.echo,
  profileDir: values.profile === undefined ? undefined : resolve(values.profile),
  backbone: values.backbone,
  command: ["bun", ...process.argv.slice(1)].join(" ").replace(process.cwd() + "/", ""),
  signal: controller.signal,
  onRow: (row) => console.log(JSON.stringify(row)),
  log: (line) => console.error(`perf: ${line}`),
});
console.log("\n" + result.table);
console.error(`perf: outputs in ${values.out}/`);
process.exit(result.rows.every((row) => row.ok) ? 0 : 1);
