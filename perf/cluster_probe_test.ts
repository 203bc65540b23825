import { describe, expect, test } from "bun:test";
import process from "node:process";
import { diffSnapshots, parseCounters, processCpuMs } from "./cluster_probe.ts";

describe("parseCounters()", () => {
  test("sums each counter over its label sets and ignores comments and others", () => {
    const text = [
      "# HELP dsatter_messages_stored_total Messages written to the store",
      "# TYPE dsatter_messages_stored_total counter",
      "dsatter_messages_stored_total 1200",
      'dsatter_messages_delivered_total{topic="all"} 10',
      'dsatter_messages_delivered_total{topic="chat"} 5',
      "dsatter_commit_batches_total 12",
      "dsatter_clients_connected 3",
      "",
    ].join("\n");
    expect(parseCounters(text)).toEqual({ stored: 1200, delivered: 15, commitBatches: 12 });
  });
});

describe("diffSnapshots()", () => {
  test("subtracts counters and CPU, and derives cores, batch size, CPU per message and per delivery", () => {
    const nodes = [{ url: "http://127.0.0.1:1", wsUrl: "ws://127.0.0.1:1/" }];
    const usage = diffSnapshots(nodes, {
      atMs: 1_000,
      generatorCpuMs: 100,
      nodes: [{ cpuMs: 1_000, counters: { stored: 100, delivered: 0, commitBatches: 10 } }],
    }, {
      atMs: 3_000,
      generatorCpuMs: 1_100,
      nodes: [{ cpuMs: 2_000, counters: { stored: 20_100, delivered: 80_000, commitBatches: 30 } }],
    });
    expect(usage.seconds).toBe(2);
    expect(usage.generatorCores).toBe(0.5);
    expect(usage.generatorMicrosPerDelivery).toBe(12.5);
    expect(usage.nodes[0]).toEqual({
      node: "http://127.0.0.1:1",
      counters: { stored: 20_000, delivered: 80_000, commitBatches: 20 },
      cpuSeconds: 1,
      cpuCores: 0.5,
      messagesPerCommit: 1_000,
      cpuMicrosPerMessage: 50,
      cpuMicrosPerDelivery: 12.5,
    });
  });
});

describe("processCpuMs()", () => {
  test("reads this process, and nothing for an unknown one", () => {
    expect(processCpuMs(process.pid)).toBeGreaterThanOrEqual(0);
    expect(processCpuMs(undefined)).toBeUndefined();
    expect(processCpuMs(2 ** 30)).toBeUndefined();
  });
});
