import { expect, test } from "bun:test";
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
  expect(registry.value("dsatter_x_total")).toBe(3);
  expect(registry.value("dsatter_peers_connected")).toBe(3);
  expect(registry.render()).toBe(
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
  expect(() => registry.gauge("dsatter_x_total", "wrong kind")).toThrow(TypeError);
  expect(() => registry.counter("bad name", "")).toThrow(TypeError);
  expect(() => counter.inc(-1)).toThrow(RangeError);
});
