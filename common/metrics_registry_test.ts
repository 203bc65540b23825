import { test } from "node:test";
import assert from "node:assert/strict";
import { MetricsRegistry } from "./metrics_registry.ts";

test("MetricsRegistry shares metrics by name and renders Prometheus text", () => {
  const registry = new MetricsRegistry();
  const counter = registry.counter("dsatter_x_total", "X things");
  registry.counter("dsatter_x_total", "again").inc(2);
  counter.inc();
  const gauge = registry.gauge("dsatter_peers_connected", "Peers");
  gauge.set(4);
  gauge.dec();
  let live = 7;
  registry.gauge("dsatter_live", "Live").collectWith(() => live);
  live = 8;
  assert.equal(registry.value("dsatter_x_total"), 3);
  assert.equal(registry.value("dsatter_peers_connected"), 3);
  assert.equal(
    registry.render(),
    [
      "# HELP dsatter_live Live",
      "# TYPE dsatter_live gauge",
      "dsatter_live 8",
      "# HELP dsatter_peers_connected Peers",
      "# TYPE dsatter_peers_connected gauge",
      "dsatter_peers_connected 3",
      "# HELP dsatter_x_total X things",
      "# TYPE dsatter_x_total counter",
      "dsatter_x_total 3",
      "",
    ].join("\n"),
  );
  assert.throws(() => registry.gauge("dsatter_x_total", "wrong kind"), TypeError);
  assert.throws(() => registry.counter("bad name", ""), TypeError);
  assert.throws(() => counter.inc(-1), RangeError);
});

test("MetricsRegistry.histogram() renders cumulative buckets, sum and count", () => {
  const registry = new MetricsRegistry();
  const histogram = registry.histogram("dsatter_t_seconds", "T", [0.1, 1]);
  for (const value of [0.05, 0.1, 0.5, 3]) histogram.observe(value);
  assert.equal(registry.histogram("dsatter_t_seconds", "again"), histogram);
  assert.equal(
    registry.render(),
    [
      "# HELP dsatter_t_seconds T",
      "# TYPE dsatter_t_seconds histogram",
      'dsatter_t_seconds_bucket{le="0.1"} 2',
      'dsatter_t_seconds_bucket{le="1"} 3',
      'dsatter_t_seconds_bucket{le="+Inf"} 4',
      "dsatter_t_seconds_sum 3.65",
      "dsatter_t_seconds_count 4",
      "",
    ].join("\n"),
  );
  assert.throws(() => registry.histogram("dsatter_u_seconds", "U", [1, 0.5]), RangeError);
});

test("MetricsRegistry.labelledCounter() and info() render labels", () => {
  const registry = new MetricsRegistry();
  const rejected = registry.labelledCounter("dsatter_r_total", "R", "code");
  rejected.labels("bad_json").inc();
  rejected.labels("bad_json").inc();
  rejected.labels('we"ird').inc();
  assert.equal(rejected.labels("bad_json"), rejected.labels("bad_json"));
  registry.info("dsatter_build_info", "B", { version: "1.2.3", runtime: "bun 1.4.5" });
  assert.equal(registry.value("dsatter_r_total"), 3);
  assert.equal(
    registry.render(),
    [
      "# HELP dsatter_build_info B",
      "# TYPE dsatter_build_info gauge",
      'dsatter_build_info{version="1.2.3",runtime="bun 1.4.5"} 1',
      "# HELP dsatter_r_total R",
      "# TYPE dsatter_r_total counter",
      'dsatter_r_total{code="bad_json"} 2',
      'dsatter_r_total{code="we\\"ird"} 1',
      "",
    ].join("\n"),
  );
});
