/**
 * One perf run end to end: get a cluster (own or attached), run the chosen
 * scenarios, stop what was started, and write the outputs (JSON lines, the
 * table, the SVG chart, a Markdown report).
 *
 * Invariant: every process started for the run is stopped before runPerf
 * returns or throws; (f) gets a fresh cluster of its own, started after the
 * main one is stopped, so the two never compete for the two cores.
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { formatMachineInfo, type MachineInfo, readMachineInfo } from "./machine_info.ts";
import { attachCluster, type PerfCluster, startLocalCluster } from "./perf_cluster.ts";
import { renderResultsChart } from "./results_chart.ts";
import { formatMarkdownTable, formatTextTable, formatUsageTable } from "./results_table.ts";
import { openFileLimit, runScenarios, type ScenarioRow } from "./run_scenarios.ts";
import {
  type ProfileName,
  PROFILES,
  SCENARIO_KEYS,
  type ScenarioKey,
} from "./scenario_profiles.ts";

export interface PerfRunOptions {
  profile: ProfileName;
  /** A running cluster's discovery URL; undefined: start our own. */
  clusterUrl?: string;
  /** @default every scenario */
  keys?: readonly ScenarioKey[];
  /** Where to write results.jsonl, table.txt, chart.svg, report.md; undefined: nowhere. */
  outDir?: string;
  /** `--rate-limit` for the nodes this run starts. @default 1000000 */
  rateLimit?: number;
  /** Copy the processes' output to stderr. */
  echo?: boolean;
  /** (c)'s rate, messages/s, instead of 25% of (b)'s. */
  latencyRatePerSecond?: number;
  /** Profile the nodes this run starts (Markdown CPU profiles in this folder). */
  profileDir?: string;
  /** Own clusters replicate through a NATS JetStream backbone instead of the mesh. */
  backbone?: boolean;
  /** The command line, for the report. */
  command?: string;
  signal?: AbortSignal;
  onRow?: (row: ScenarioRow) => void;
  log?: (line: string) => void;
}

export interface PerfRunResult {
  rows: ScenarioRow[];
  machine: MachineInfo;
  table: string;
}

export async function runPerf(options: PerfRunOptions): Promise<PerfRunResult> {
  const profile = PROFILES[options.profile];
  const keys = options.keys ?? SCENARIO_KEYS;
  const log = options.log ?? (() => {});
  const rateLimit = options.rateLimit ?? 1_000_000;
  const startCluster = (nodes: number): Promise<PerfCluster> =>
    options.clusterUrl !== undefined ? attachCluster(options.clusterUrl) : startLocalCluster({
      nodes,
      rateLimit,
      echo: options.echo,
      profileDir: options.profileDir,
      backbone: options.backbone,
    });
  const loadAtStart = os.loadavg();
  const rows: ScenarioRow[] = [];
  const common = {
    profile,
    signal: options.signal,
    onRow: options.onRow,
    log,
    latencyRatePerSecond: options.latencyRatePerSecond,
  };

  const mainKeys = keys.filter((key) => key !== "f");
  if (mainKeys.length > 0) {
    log(
      options.clusterUrl ? `attaching to ${options.clusterUrl}` : "starting 1 discovery + 3 nodes",
    );
    const cluster = await startCluster(3);
    try {
      rows.push(...await runScenarios({ ...common, cluster, keys: mainKeys }));
    } finally {
      await cluster.stop();
    }
  }
  if (keys.includes("f")) {
    if (options.clusterUrl !== undefined) {
      const row: ScenarioRow = {
        scenario: "f",
        title: "(f) catch-up of an empty joining node",
        ok: true,
        skipped: "needs a cluster this run starts (no --cluster)",
      };
      rows.push(row);
      options.onRow?.(row);
    } else {
      log("starting 1 discovery + 2 nodes for (f)");
      const cluster = await startCluster(2);
      try {
        rows.push(...await runScenarios({ ...common, cluster, keys: ["f"] }));
      } finally {
        await cluster.stop();
      }
    }
  }

  const machine = readMachineInfo(await openFileLimit(), loadAtStart);
  const table = formatTextTable(rows) + "\n\n" + formatUsageTable(rows);
  if (options.outDir !== undefined) writeOutputs(options.outDir, rows, machine, options);
  return { rows, machine, table };
}

function writeOutputs(
  outDir: string,
  rows: ScenarioRow[],
  machine: MachineInfo,
  options: PerfRunOptions,
) {
  mkdirSync(outDir, { recursive: true });
  const subtitle = `${options.profile} run, ${machine.nproc} cores, ${machine.date.slice(0, 16)}Z`;
  writeFileSync(
    join(outDir, "results.jsonl"),
    rows.map((row) => JSON.stringify(row)).join("\n") + "\n",
  );
  writeFileSync(join(outDir, "table.txt"), formatTextTable(rows) + "\n");
  writeFileSync(join(outDir, "chart.svg"), renderResultsChart(rows, subtitle));
  const report = [
    `# DSatter perf run (${options.profile})`,
    "",
    "## Machine",
    "",
    formatMachineInfo(machine),
    "",
    "## Command",
    "",
    "```",
    options.command ?? "bun perf/main.ts",
    "```",
    "",
    "## Results",
    "",
    formatMarkdownTable(rows),
    "",
    "![latency and throughput per shape](chart.svg)",
    "",
    "## Where the CPU went",
    "",
    "CPU of the load generator and of each node (1.0 = one core) over each scenario, with",
    "what each node stored and how many messages each group commit held.",
    "",
    formatUsageTable(rows),
    "",
  ].join("\n");
  writeFileSync(join(outDir, "report.md"), report);
}
