/**
 * The rows of a run as a plain-text table (stdout) and as Markdown (RESULTS.md).
 *
 * Invariant: pure; one line per row, columns in the same order in both forms,
 * and a missing figure shows as "-", never as 0.
 * @module
 */

import type { ScenarioRow } from "./run_scenarios.ts";

const HEADERS = [
  "scenario",
  "what",
  "ok",
  "rate",
  "deliveries/s",
  "p50 ms",
  "p99 ms",
  "max ms",
  "target",
];

function cells(row: ScenarioRow): string[] {
  const number = (value: number | undefined) =>
    value === undefined ? "-" : value.toLocaleString("en-US", { maximumFractionDigits: 3 });
  const status = row.skipped ? "skipped" : row.ok ? "yes" : "NO";
  const target = row.target ? `${row.target.met ? "met" : "MISSED"}: ${row.target.text}` : "-";
  const what = row.skipped
    ? `${row.title} (${row.skipped})`
    : row.error
    ? `${row.title} (error: ${row.error})`
    : row.title;
  return [
    row.scenario,
    what,
    status,
    row.rate === undefined ? "-" : `${number(row.rate)} ${row.rateUnit ?? ""}`.trim(),
    number(row.deliveriesPerSecond),
    number(row.p50Ms),
    number(row.p99Ms),
    number(row.maxMs),
    target,
  ];
}

/** Aligned columns for a terminal. */
export function formatTextTable(rows: readonly ScenarioRow[]): string {
  const table = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, column) => Math.max(...table.map((line) => line[column].length)));
  return table
    .map((line) => line.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd())
    .join("\n");
}

/** A Markdown table. */
export function formatMarkdownTable(rows: readonly ScenarioRow[]): string {
  const escape = (cell: string) => cell.replaceAll("|", "\\|");
  return [
    `| ${HEADERS.join(" | ")} |`,
    `| ${HEADERS.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${cells(row).map(escape).join(" | ")} |`),
  ].join("\n");
}

const USAGE_HEADERS = [
  "scenario",
  "seconds",
  "generator cores",
  "generator µs/delivery",
  "node cores",
  "stored",
  "CPU µs/msg",
  "delivered",
  "CPU µs/delivery",
  "msgs/commit",
];

function usageCells(row: ScenarioRow): string[] | undefined {
  const usage = row.usage;
  if (usage === undefined) return undefined;
  const list = (values: (number | undefined)[]) =>
    values.map((value) => value === undefined ? "-" : value.toLocaleString("en-US")).join(" / ");
  return [
    row.scenario,
    String(usage.seconds),
    String(usage.generatorCores),
    usage.generatorMicrosPerDelivery === undefined ? "-" : String(usage.generatorMicrosPerDelivery),
    list(usage.nodes.map((node) => node.cpuCores)),
    list(usage.nodes.map((node) => node.counters.stored)),
    list(usage.nodes.map((node) => node.cpuMicrosPerMessage)),
    list(usage.nodes.map((node) => node.counters.delivered)),
    list(usage.nodes.map((node) => node.cpuMicrosPerDelivery)),
    list(usage.nodes.map((node) => node.messagesPerCommit)),
  ];
}

/** Where each scenario's CPU went (one core = 1.0; nodes in start order), as Markdown. */
export function formatUsageTable(rows: readonly ScenarioRow[]): string {
  const lines = rows.map(usageCells).filter((cells) => cells !== undefined);
  return [
    `| ${USAGE_HEADERS.join(" | ")} |`,
    `| ${USAGE_HEADERS.map(() => "---").join(" | ")} |`,
    ...lines.map((cells) => `| ${cells.join(" | ")} |`),
  ].join("\n");
}
