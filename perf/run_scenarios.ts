/**
 * Runs the perf scenarios against one cluster and turns each outcome into a
 * row: correctness first (`ok`: no loss, no duplicate, every reply as
 * expected), then the figures and, in the full profile, whether the issue's
 * target was met.
 *
 * Invariant: a scenario that throws becomes a row with `ok: false` and the
 * error, and the next scenario still runs; nothing here starts processes
 * except through the cluster it is given.
 * @module
 */

import { CloseCode } from "../common/errors.ts";
import { runCatchUp } from "./catch_up.ts";
import { type ClusterUsage, diffSnapshots, snapshotCluster } from "./cluster_probe.ts";
import { type FanoutResult, runFanout } from "./fanout_load.ts";
import { runHttpLoad } from "./http_load.ts";
import { runIdleConnections } from "./idle_connections.ts";
import { type PerfCluster, waitForMesh } from "./perf_cluster.ts";
import type { ScenarioKey, ScenarioProfile } from "./scenario_profiles.ts";

export interface ScenarioRow {
  scenario: ScenarioKey;
  title: string;
  /** Correctness only: no loss, no duplicates, every reply as expected. */
  ok: boolean;
  skipped?: string;
  error?: string;
  /** The headline rate and its unit. */
  rate?: number;
  rateUnit?: string;
  deliveriesPerSecond?: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  /** The target for this shape (full profile only). */
  target?: { text: string; met: boolean };
  /** Where the work went: CPU of the generator and of each node, node counters. */
  usage?: ClusterUsage;
  detail?: unknown;
}

export interface RunScenariosOptions {
  cluster: PerfCluster;
  profile: ScenarioProfile;
  keys: readonly ScenarioKey[];
  signal?: AbortSignal;
  /** Called as each row is ready (for streaming JSON lines). */
  onRow?: (row: ScenarioRow) => void;
  /** Progress lines for a human (stderr). */
  log?: (line: string) => void;
  /** (c)'s rate, messages/s, instead of a share of (b)'s. */
  latencyRatePerSecond?: number;
}

const TITLES: Record<ScenarioKey, string> = {
  "http-post": "POST /api/chats/:id/messages (autocannon)",
  "http-get": "GET /api/chats/:id/messages (autocannon)",
  "http-clients": "discovery GET /api/clients (autocannon)",
  a: "(a) original shape: P=3, R=1/node, N=8000",
  b: "(b) throughput, full speed",
  c: "(c) latency at a fixed rate",
  d: "(d) fan-out: 1 pusher, many receivers",
  e: "(e) idle connections on one node",
  f: "(f) catch-up of an empty joining node",
  g: "(g) slow readers during (b)",
};

/** Runs the given scenarios in order; returns one row each. */
export async function runScenarios(options: RunScenariosOptions): Promise<ScenarioRow[]> {
  const { cluster, profile, keys } = options;
  const full = profile.name === "full";
  const log = options.log ?? (() => {});
  const rows: ScenarioRow[] = [];
  const nodes = cluster.nodes;
  const pusherNode = nodes[0];
  const localUrls = new Set([pusherNode.wsUrl]);
  const receiversPerNode = (count: number) =>
    nodes.flatMap((node) => Array.from({ length: count }, () => node.wsUrl));
  let throughputRate: number | undefined;

  const fanoutRow = (key: ScenarioKey, result: FanoutResult, title = TITLES[key]): ScenarioRow => ({
    scenario: key,
    title,
    ok: result.complete && result.foreign === 0 && Object.keys(result.closedEarly).length === 0,
    rate: result.messagesPerSecond,
    rateUnit: "msg/s",
    deliveriesPerSecond: result.deliveriesPerSecond,
    p50Ms: result.latency.p50Ms,
    p99Ms: result.latency.p99Ms,
    maxMs: result.latency.maxMs,
    detail: result,
  });

  const scenarios: Record<ScenarioKey, () => Promise<ScenarioRow>> = {
    "http-post": () =>
      httpRow("http-post", {
        url: `${pusherNode.url}/api/chats/9100/messages`,
        method: "POST",
        body: { text: "perf http post", sender: "perf-http" },
        expectedStatus: 201,
      }),
    "http-get": () =>
      httpRow("http-get", {
        url: `${pusherNode.url}/api/chats/9100/messages?limit=50`,
      }),
    "http-clients": () => httpRow("http-clients", { url: `${cluster.discoveryUrl}/api/clients` }),
    a: async () => {
      const p = profile.original;
      const result = await runFanout({
        pusherUrls: Array.from({ length: p.pushers }, () => pusherNode.wsUrl),
        receiverUrls: receiversPerNode(p.receiversPerNode),
        localUrls,
        messages: p.messages,
        ackEvery: 0,
        pushersListen: true,
        chatId: 9001,
        signal: options.signal,
      });
      const row = fanoutRow("a", result);
      if (full) {
        row.target = {
          text: "< 0.25 s, all received",
          met: row.ok && result.deliverSeconds < 0.25,
        };
      }
      return row;
    },
    b: async () => {
      const p = profile.throughput;
      const result = await runFanout({
        pusherUrls: Array.from({ length: p.pushers }, () => pusherNode.wsUrl),
        receiverUrls: receiversPerNode(p.receiversPerNode),
        localUrls,
        messages: p.messages,
        windowPerPusher: p.window,
        chatId: 9002,
        timeoutMs: 60_000 + p.messages,
        signal: options.signal,
      });
      if (result.complete) throughputRate = result.messagesPerSecond;
      const row = fanoutRow("b", result, `(b) throughput: P=${p.pushers}, N=${p.messages}`);
      if (full) {
        row.target = {
          text: ">= 100,000 deliveries/s",
          met: row.ok && result.deliveriesPerSecond >= 100_000,
        };
      }
      return row;
    },
    c: async () => {
      const p = profile.latency;
      const rate = Math.max(
        1,
        Math.round(
          options.latencyRatePerSecond ??
            (throughputRate !== undefined
              ? throughputRate * p.shareOfThroughput
              : p.fallbackRatePerSecond),
        ),
      );
      const messages = Math.max(1, Math.round(rate * p.seconds));
      const result = await runFanout({
        pusherUrls: Array.from({ length: profile.throughput.pushers }, () => pusherNode.wsUrl),
        receiverUrls: receiversPerNode(profile.throughput.receiversPerNode),
        localUrls,
        messages,
        ratePerSecond: rate,
        windowPerPusher: profile.throughput.window,
        chatId: 9003,
        timeoutMs: 60_000 + p.seconds * 2_000,
        signal: options.signal,
      });
      const row = fanoutRow("c", result, `(c) latency: ${rate} msg/s for ${p.seconds} s`);
      // Across nodes: the receivers on the other nodes than the pushers'.
      row.p50Ms = result.remoteLatency.p50Ms;
      row.p99Ms = result.remoteLatency.p99Ms;
      row.maxMs = result.remoteLatency.maxMs;
      if (full) {
        row.target = {
          text: "p99 across nodes <= 10 ms",
          met: row.ok && result.remoteLatency.p99Ms <= 10,
        };
      }
      return row;
    },
    d: async () => {
      const p = profile.fanout;
      const receiverUrls = Array.from(
        { length: p.receivers },
        (_, i) => nodes[i % nodes.length].wsUrl,
      );
      const result = await runFanout({
        pusherUrls: [pusherNode.wsUrl],
        receiverUrls,
        localUrls,
        messages: p.messages,
        windowPerPusher: p.window,
        chatId: 9004,
        timeoutMs: 60_000 + p.messages * p.receivers / 10,
        signal: options.signal,
      });
      return fanoutRow("d", result, `(d) fan-out: 1 pusher, ${p.receivers} receivers`);
    },
    e: async () => {
      const limit = await openFileLimit();
      const target = Math.min(profile.idle.target, limit === undefined ? Infinity : limit - 1_000);
      const result = await runIdleConnections({ node: pusherNode, target, signal: options.signal });
      const row: ScenarioRow = {
        scenario: "e",
        title: `(e) idle connections: ${target} tried (fd limit ${limit ?? "?"})`,
        ok: result.held === result.opened && result.opened > 0 &&
          result.nodeCountedClients >= result.opened,
        rate: result.held,
        rateUnit: "conns",
        detail: { ...result, openFileLimit: limit },
      };
      if (full) {
        row.target = {
          text: ">= 15,000 at <= 2 KiB RSS each",
          met: row.ok && result.held >= 15_000 &&
            (result.rssPerConnectionBytes ?? Infinity) <= 2048,
        };
      }
      return row;
    },
    g: async () => {
      const p = profile.throughput;
      const result = await runFanout({
        pusherUrls: Array.from({ length: p.pushers }, () => pusherNode.wsUrl),
        receiverUrls: receiversPerNode(p.receiversPerNode),
        slowReaderUrls: nodes.map((node) => node.wsUrl),
        localUrls,
        messages: profile.slowReader.messages,
        windowPerPusher: p.window,
        chatId: 9007,
        timeoutMs: 60_000 + profile.slowReader.messages,
        signal: options.signal,
      });
      const row = fanoutRow(
        "g",
        result,
        `(g) ${nodes.length} slow readers (one per node) during (b), N=${result.messages}`,
      );
      // A slow reader may only ever be closed as one: 4000.
      const slowReaderCode = String(CloseCode.slowReader);
      const codes = Object.keys(result.slowReaders.closedWith);
      const dropped = result.slowReaders.closedWith[slowReaderCode] ?? 0;
      row.ok = row.ok && codes.every((code) => code === slowReaderCode);
      if (full) {
        row.target = {
          text: "every slow reader dropped (4000), the others get everything",
          met: row.ok && dropped === result.slowReaders.count,
        };
      }
      return row;
    },
    f: async () => {
      if (!cluster.owned) throw new SkipScenario("needs a cluster this run starts (no --cluster)");
      const result = await runCatchUp({
        cluster,
        messages: profile.catchUp.messages,
        signal: options.signal,
      });
      const row: ScenarioRow = {
        scenario: "f",
        title: `(f) catch-up: ${result.toFetch} messages`,
        ok: true,
        rate: result.messagesPerSecond,
        rateUnit: "msg/s",
        detail: result,
      };
      if (full) {
        row.target = { text: ">= 50,000 msg/s", met: result.messagesPerSecond >= 50_000 };
      }
      return row;
    },
  };

  async function httpRow(
    key: ScenarioKey,
    load: Parameters<typeof runHttpLoad>[0],
  ): Promise<ScenarioRow> {
    const result = await runHttpLoad({
      ...load,
      connections: profile.http.connections,
      durationSeconds: profile.http.durationSeconds,
      requests: profile.http.requests,
    });
    return {
      scenario: key,
      title: TITLES[key],
      ok: result.ok,
      rate: result.requestsPerSecond,
      rateUnit: "req/s",
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      maxMs: result.maxMs,
      detail: result,
    };
  }

  if (nodes.length > 1 && keys.some((key) => key !== "f" && !key.startsWith("http"))) {
    await waitForMesh(nodes, { timeoutMs: 60_000, signal: options.signal });
  }
  for (const key of keys) {
    if (options.signal?.aborted) break;
    log(`running ${key}: ${TITLES[key]}`);
    let row: ScenarioRow;
    try {
      // (f) changes the cluster (a joiner) and measures its own figures.
      const before = key === "f" ? undefined : await snapshotCluster(nodes);
      row = await scenarios[key]();
      if (before !== undefined) {
        row.usage = diffSnapshots(nodes, before, await snapshotCluster(nodes));
      }
    } catch (error) {
      row = error instanceof SkipScenario
        ? { scenario: key, title: TITLES[key], ok: true, skipped: error.message }
        : { scenario: key, title: TITLES[key], ok: false, error: (error as Error).message };
    }
    rows.push(row);
    options.onRow?.(row);
  }
  return rows;
}

class SkipScenario extends Error {}

/** The soft limit on open files of this process (children inherit it), from /proc. */
export async function openFileLimit(): Promise<number | undefined> {
  try {
    const limits = await Bun.file("/proc/self/limits").text();
    const match = /^Max open files\s+(\d+)/m.exec(limits);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
