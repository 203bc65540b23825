/**
 * The chart of a run, drawn as a standalone SVG with no library: two panels of
 * horizontal bars on log scales, latency percentiles (p50, p99, max) per shape
 * and throughput per shape (messages or requests per second, and deliveries
 * per second where messages fan out).
 *
 * Invariant: pure and deterministic (same rows, same bytes); every text is
 * XML-escaped; a row without a figure draws no bar rather than a zero.
 * @module
 */

import type { ScenarioRow } from "./run_scenarios.ts";

interface Bar {
  label: string;
  value: number;
  color: string;
  unit: string;
}

interface Group {
  scenario: string;
  bars: Bar[];
}

const WIDTH = 960;
const LABEL_WIDTH = 170;
const PLOT_WIDTH = 620;
const BAR_HEIGHT = 11;
const GROUP_GAP = 10;
const PANEL_HEADER = 46;
const COLORS = {
  p50: "#4c78a8",
  p99: "#f58518",
  max: "#e45756",
  rate: "#54a24b",
  deliveries: "#b279a2",
};

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function formatValue(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Bounds of a log axis: whole powers of ten around the values. */
function logBounds(values: number[], floor: number): [number, number] {
  const positive = values.filter((value) => value > 0);
  const low = Math.max(floor, Math.min(...positive, floor * 10));
  const high = Math.max(...positive, low * 10);
  return [10 ** Math.floor(Math.log10(low)), 10 ** Math.ceil(Math.log10(high))];
}

function drawPanel(title: string, groups: Group[], top: number, floor: number): string[] {
  const parts: string[] = [];
  const [low, high] = logBounds(groups.flatMap((g) => g.bars.map((b) => b.value)), floor);
  const x = (value: number) =>
    LABEL_WIDTH +
    (Math.log10(Math.max(value, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low)) *
      PLOT_WIDTH;
  const height = groups.reduce((sum, g) => sum + g.bars.length * BAR_HEIGHT + GROUP_GAP, 0);
  parts.push(
    `<text x="10" y="${top + 18}" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  );
  const plotTop = top + PANEL_HEADER;
  for (let tick = low; tick <= high * 1.0001; tick *= 10) {
    const tx = x(tick).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${plotTop - 6}" x2="${tx}" y2="${
        plotTop + height
      }" stroke="#ddd" stroke-width="1"/>`,
      `<text x="${tx}" y="${plotTop - 10}" font-size="10" text-anchor="middle" fill="#666">${
        formatValue(tick)
      }</text>`,
    );
  }
  let y = plotTop;
  for (const group of groups) {
    const groupHeight = group.bars.length * BAR_HEIGHT;
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${(y + groupHeight / 2 + 4).toFixed(1)}" font-size="12" ` +
        `text-anchor="end">${escapeXml(group.scenario)}</text>`,
    );
    for (const bar of group.bars) {
      const barWidth = Math.max(1, x(bar.value) - LABEL_WIDTH);
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" ` +
          `height="${BAR_HEIGHT - 2}" fill="${bar.color}"/>`,
        `<text x="${(LABEL_WIDTH + barWidth + 4).toFixed(1)}" y="${
          (y + BAR_HEIGHT - 3).toFixed(1)
        }" ` +
          `font-size="9" fill="#333">${
            escapeXml(`${bar.label} ${formatValue(bar.value)} ${bar.unit}`)
          }</text>`,
      );
      y += BAR_HEIGHT;
    }
    y += GROUP_GAP;
  }
  return parts;
}

function panelHeight(groups: Group[]): number {
  return PANEL_HEADER + groups.reduce((sum, g) => sum + g.bars.length * BAR_HEIGHT + GROUP_GAP, 0);
}

/** The SVG document for the rows of one run. */
export function renderResultsChart(rows: readonly ScenarioRow[], subtitle: string): string {
  const latencyGroups: Group[] = [];
  const rateGroups: Group[] = [];
  for (const row of rows) {
    if (row.skipped || row.error) continue;
    const latency: Bar[] = [];
    if (row.p50Ms !== undefined) {
      latency.push({ label: "p50", value: row.p50Ms, color: COLORS.p50, unit: "ms" });
    }
    if (row.p99Ms !== undefined) {
      latency.push({ label: "p99", value: row.p99Ms, color: COLORS.p99, unit: "ms" });
    }
    if (row.maxMs !== undefined) {
      latency.push({ label: "max", value: row.maxMs, color: COLORS.max, unit: "ms" });
    }
    if (latency.length > 0) latencyGroups.push({ scenario: row.scenario, bars: latency });
    const rates: Bar[] = [];
    if (row.rate !== undefined && row.rateUnit !== "conns") {
      rates.push({ label: "", value: row.rate, color: COLORS.rate, unit: row.rateUnit ?? "" });
    }
    if (row.deliveriesPerSecond !== undefined) {
      rates.push({
        label: "",
        value: row.deliveriesPerSecond,
        color: COLORS.deliveries,
        unit: "deliveries/s",
      });
    }
    if (rates.length > 0) rateGroups.push({ scenario: row.scenario, bars: rates });
  }
  const latencyTop = 40;
  const rateTop = latencyTop + panelHeight(latencyGroups) + 20;
  const height = rateTop + panelHeight(rateGroups) + 20;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
    `viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="24" font-size="17" font-weight="bold">DSatter perf: ${
      escapeXml(subtitle)
    }</text>`,
    ...drawPanel(
      "End-to-end latency per shape (ms, log scale): p50, p99, max",
      latencyGroups,
      latencyTop,
      0.01,
    ),
    ...drawPanel("Throughput per shape (per second, log scale)", rateGroups, rateTop, 1),
    `</svg>`,
  ];
  return parts.join("\n") + "\n";
}
