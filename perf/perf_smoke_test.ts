/**
 * The CI smoke variant of `make perf`: every scenario's short variant against
 * a real cluster (1 discovery + 3 nodes, then 2 nodes + a joiner for (f)).
 * Asserts correctness only (zero loss, zero duplicates, every POST 201,
 * sane numbers), never timing.
 */

import { describe, expect, test } from "bun:test";
import type { FanoutResult } from "./fanout_load.ts";
import type { HttpLoadResult } from "./http_load.ts";
import type { IdleConnectionsResult } from "./idle_connections.ts";
import type { CatchUpResult } from "./catch_up.ts";
import { runPerf } from "./perf_run.ts";
import type { ScenarioRow } from "./run_scenarios.ts";
import { PROFILES, SCENARIO_KEYS } from "./scenario_profiles.ts";

const smoke = PROFILES.smoke;
const rows = new Map<string, ScenarioRow>();

function row(key: string): ScenarioRow {
  const found = rows.get(key);
  if (found === undefined) throw new Error(`scenario ${key} did not run`);
  expect(found.error).toBeUndefined();
  expect(found.skipped).toBeUndefined();
  return found;
}

function expectExactlyOnce(result: FanoutResult, receivers: number) {
  expect(result.timedOut).toBe(false);
  expect(result.missing).toBe(0);
  expect(result.duplicates).toBe(0);
  expect(result.badFrames).toBe(0);
  expect(result.foreign).toBe(0);
  expect(result.closedEarly).toEqual({});
  expect(result.errorFrames).toEqual({});
  expect(result.receivers).toBe(receivers);
  expect(result.deliveries).toBe(result.messages * receivers);
  expect(result.latency.count).toBe(result.deliveries);
  expect(result.messagesPerSecond).toBeGreaterThan(0);
  expect(result.latency.minMs).toBeGreaterThanOrEqual(0);
  expect(result.latency.p50Ms).toBeLessThanOrEqual(result.latency.p99Ms);
  expect(result.latency.p99Ms).toBeLessThanOrEqual(result.latency.maxMs);
}

describe("perf smoke (make test)", () => {
  test("runs every short scenario against a real cluster", async () => {
    const result = await runPerf({
      profile: "smoke",
      onRow: (scenarioRow) => rows.set(scenarioRow.scenario, scenarioRow),
      log: (line) => console.error(`perf smoke: ${line}`),
    });
    console.error(result.table);
    // Every scenario ran, in run order.
    expect(result.rows.map((scenarioRow) => scenarioRow.scenario)).toEqual([...SCENARIO_KEYS]);
  }, 240_000);

  test("HTTP: every POST is 201, every GET 200, nothing errors", () => {
    const post = row("http-post").detail as HttpLoadResult;
    expect(post.statusCounts).toEqual({ "201": smoke.http.requests! });
    for (const key of ["http-get", "http-clients"]) {
      const get = row(key).detail as HttpLoadResult;
      expect(get.statusCounts).toEqual({ "200": smoke.http.requests! });
    }
    for (const key of ["http-post", "http-get", "http-clients"]) {
      const load = row(key).detail as HttpLoadResult;
      expect([load.errors, load.timeouts, load.unexpectedStatus]).toEqual([0, 0, 0]);
      expect(load.requestsPerSecond).toBeGreaterThan(0);
      expect(row(key).ok).toBe(true);
    }
  });

  test("(a) the original shape: every frame on every connection exactly once", () => {
    // 3 receivers (one per node) plus the 3 pushers, which listen like the original's.
    expectExactlyOnce(row("a").detail as FanoutResult, 3 + 3);
    expect(row("a").ok).toBe(true);
  });

  test("(b) throughput: zero loss, zero duplicates, every message acknowledged", () => {
    const result = row("b").detail as FanoutResult;
    expectExactlyOnce(result, 3);
    expect(result.acks).toBe(smoke.throughput.messages);
    expect(row("b").ok).toBe(true);
  });

  test("(c) and (c2) fixed rates: zero loss, latency measured on the remote nodes", () => {
    for (const key of ["c", "c2"] as const) {
      const result = row(key).detail as FanoutResult;
      expectExactlyOnce(result, 3);
      expect(result.remoteLatency.count).toBe(result.messages * 2);
      expect(row(key).ok).toBe(true);
    }
    // (c2) runs at twice (c)'s rate (each rate rounded to a whole message per second).
    const sent = (key: "c" | "c2") => (row(key).detail as FanoutResult).messages;
    expect(Math.abs(sent("c2") - 2 * sent("c"))).toBeLessThanOrEqual(2 * smoke.latency.seconds);
  });
});

describe("perf smoke (make test): fan-out, idle, slow readers, catch-up", () => {
  test("(d) fan-out: every receiver gets every message once", () => {
    expectExactlyOnce(row("d").detail as FanoutResult, smoke.fanout.receivers);
    expect(row("d").ok).toBe(true);
  });

  test("(e) idle connections: all held, counted by the node, memory read", () => {
    const result = row("e").detail as IdleConnectionsResult;
    expect(result.opened).toBe(smoke.idle.target);
    expect(result.held).toBe(smoke.idle.target);
    expect(result.nodeCountedClients).toBeGreaterThanOrEqual(smoke.idle.target);
    expect(result.rssAfterBytes).toBeGreaterThan(0);
    expect(row("e").ok).toBe(true);
  });

  test("(g) slow readers: the others get everything once; a slow one is only ever closed with 4000", () => {
    const result = row("g").detail as FanoutResult;
    expectExactlyOnce(result, 3);
    expect(result.slowReaders.count).toBe(3);
    for (const code of Object.keys(result.slowReaders.closedWith)) expect(code).toBe("4000");
    expect(row("g").ok).toBe(true);
  });

  test("(f) catch-up: the joiner ends up holding every seeded message", () => {
    const result = row("f").detail as CatchUpResult;
    expect(result.seeded).toBe(smoke.catchUp.messages);
    expect(result.toFetch).toBeGreaterThanOrEqual(smoke.catchUp.messages);
    expect(result.catchUpSeconds).toBeGreaterThan(0);
    expect(result.messagesPerSecond).toBeGreaterThan(0);
    expect(row("f").ok).toBe(true);
  });
});
