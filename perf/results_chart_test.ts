import { describe, expect, test } from "bun:test";
import { renderResultsChart } from "./results_chart.ts";
import { formatMarkdownTable, formatTextTable } from "./results_table.ts";
import type { ScenarioRow } from "./run_scenarios.ts";

const rows: ScenarioRow[] = [
  {
    scenario: "b",
    title: "(b) throughput <P=3>",
    ok: true,
    rate: 40_000,
    rateUnit: "msg/s",
    deliveriesPerSecond: 120_000,
    p50Ms: 3.2,
    p99Ms: 12.5,
    maxMs: 40,
    target: { text: ">= 100,000 deliveries/s", met: true },
  },
  { scenario: "e", title: "(e) idle", ok: true, rate: 15_000, rateUnit: "conns" },
  { scenario: "f", title: "(f) catch-up", ok: true, skipped: "needs own cluster" },
  { scenario: "a", title: "(a) original | shape", ok: false, error: "boom" },
];

describe("renderResultsChart()", () => {
  test("draws one bar per figure and escapes text", () => {
    const svg = renderResultsChart(rows, "smoke & test");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("smoke &amp; test");
    // p50, p99, max for b, then msg/s and deliveries/s for b; e (conns) has no bar.
    expect(svg.match(/<rect x=/g)?.length).toBe(5);
    expect(svg).toContain("p99 12.5 ms");
    expect(svg).toContain("120,000 deliveries/s");
    expect(svg).not.toContain("conns");
  });

  test("is deterministic", () => {
    expect(renderResultsChart(rows, "x")).toBe(renderResultsChart(rows, "x"));
  });
});

describe("formatTextTable() / formatMarkdownTable()", () => {
  test("one line per row, missing figures as '-', failures loud", () => {
    const text = formatTextTable(rows).split("\n");
    expect(text.length).toBe(5);
    expect(text[1]).toContain("120,000");
    expect(text[1]).toContain("met: >= 100,000 deliveries/s");
    expect(text[3]).toContain("skipped");
    expect(text[4]).toContain("NO");
    expect(text[4]).toContain("error: boom");
    const markdown = formatMarkdownTable(rows).split("\n");
    expect(markdown.length).toBe(6);
    expect(markdown[5]).toContain("original \\| shape");
  });
});
