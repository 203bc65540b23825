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
  c2: "(c2) latency at a higher fixed rate",
  d: "(d) fan-out: 1 pusher, many receivers",
  e: "(e) idle connections on one node",
  f: "(f) catch-up of an empty joining node",
  g: "(g) slow readers during (b)",
};

/** What every scenario reads: the cluster, the profile, and what earlier scenarios found. */
interface ScenarioContext {
  cluster: PerfCluster;
  profile: ScenarioProfile;
  full: boolean;
  options: RunScenariosOptions;
  pusherNode: PerfCluster["nodes"][number];
  localUrls: Set<string>;
  /** `count` receivers on every node. */
  receiversPerNode(count: number): string[];
  /** (b)'s complete rate, for (c). */
  throughputRate?: number;
}

function fanoutRow(key: ScenarioKey, result: FanoutResult, title = TITLES[key]): ScenarioRow {
  return {
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
  };
}

/** The pushers of a shape, all on the first node. */
const pushersOf = (ctx: ScenarioContext, count: number) =>
  Array.from({ length: count }, () => ctx.pusherNode.wsUrl);

/** (b)'s connections, shared by (c) and (g): the same shape under another load. */
function throughputShape(ctx: ScenarioContext) {
  const p = ctx.profile.throughput;
  return {
    pusherUrls: pushersOf(ctx, p.pushers),
    receiverUrls: ctx.receiversPerNode(p.receiversPerNode),
    localUrls: ctx.localUrls,
    windowPerPusher: p.window,
    signal: ctx.options.signal,
  };
}

async function httpRow(
  ctx: ScenarioContext,
  key: ScenarioKey,
  load: Parameters<typeof runHttpLoad>[0],
): Promise<ScenarioRow> {
  const result = await runHttpLoad({
    ...load,
    connections: ctx.profile.http.connections,
    durationSeconds: ctx.profile.http.durationSeconds,
    requests: ctx.profile.http.requests,
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

/** (a): the original's shape, pushers listening, no acks. */
async function originalShape(ctx: ScenarioContext): Promise<ScenarioRow> {
  const p = ctx.profile.original;
  const result = await runFanout({
    pusherUrls: pushersOf(ctx, p.pushers),
    receiverUrls: ctx.receiversPerNode(p.receiversPerNode),
    localUrls: ctx.localUrls,
    messages: p.messages,
    ackEvery: 0,
    pushersListen: true,
    chatId: 9001,
    signal: ctx.options.signal,
  });
  const row = fanoutRow("a", result);
  if (ctx.full) {
    row.target = { text: "< 0.25 s, all received", met: row.ok && result.deliverSeconds < 0.25 };
  }
  return row;
}

/** (b): full speed; its rate sets (c)'s. */
async function throughput(ctx: ScenarioContext): Promise<ScenarioRow> {
  const p = ctx.profile.throughput;
  const result = await runFanout({
    ...throughputShape(ctx),
    messages: p.messages,
    chatId: 9002,
    timeoutMs: 60_000 + p.messages,
  });
  if (result.complete) ctx.throughputRate = result.messagesPerSecond;
  const row = fanoutRow("b", result, `(b) throughput: P=${p.pushers}, N=${p.messages}`);
  if (ctx.full) {
    row.target = {
      text: ">= 150,000 deliveries/s",
      met: row.ok && result.deliveriesPerSecond >= 150_000,
    };
  }
  return row;
}

/**
 * (c) and (c2): a fixed rate (a share of (b)'s: a quarter, a half), latency measured on the
 * other nodes; p99 under targetMs.
 */
async function latency(
  ctx: ScenarioContext,
  shape: { key: "c" | "c2"; share: number; targetMs: number },
): Promise<ScenarioRow> {
  const p = ctx.profile.latency;
  const shareOfThroughput = ctx.throughputRate !== undefined
    ? ctx.throughputRate * shape.share
    : p.fallbackRatePerSecond * shape.share / p.shareOfThroughput;
  // --latency-rate sets (c)'s rate; (c2) keeps its ratio to (c).
  const chosen = ctx.options.latencyRatePerSecond === undefined
    ? shareOfThroughput
    : ctx.options.latencyRatePerSecond * shape.share / p.shareOfThroughput;
  const rate = Math.max(1, Math.round(chosen));
  const result = await runFanout({
    ...throughputShape(ctx),
    messages: Math.max(1, Math.round(rate * p.seconds)),
    ratePerSecond: rate,
    chatId: shape.key === "c" ? 9003 : 9008,
    timeoutMs: 60_000 + p.seconds * 2_000,
  });
  const label = shape.key === "c" ? "(c)" : "(c2)";
  const row = fanoutRow(shape.key, result, `${label} latency: ${rate} msg/s for ${p.seconds} s`);
  // Across nodes: the receivers on the other nodes than the pushers'.
  row.p50Ms = result.remoteLatency.p50Ms;
  row.p99Ms = result.remoteLatency.p99Ms;
  row.maxMs = result.remoteLatency.maxMs;
  if (ctx.full) {
    row.target = {
      text: `p99 across nodes <= ${shape.targetMs} ms`,
      met: row.ok && result.remoteLatency.p99Ms <= shape.targetMs,
    };
  }
  return row;
}

/** (d): one pusher, many receivers spread over the nodes. */
async function fanOut(ctx: ScenarioContext): Promise<ScenarioRow> {
  const p = ctx.profile.fanout;
  const nodes = ctx.cluster.nodes;
  const result = await runFanout({
    pusherUrls: [ctx.pusherNode.wsUrl],
    receiverUrls: Array.from({ length: p.receivers }, (_, i) => nodes[i % nodes.length].wsUrl),
    localUrls: ctx.localUrls,
    messages: p.messages,
    windowPerPusher: p.window,
    chatId: 9004,
    timeoutMs: 60_000 + p.messages * p.receivers / 10,
    signal: ctx.options.signal,
  });
  return fanoutRow("d", result, `(d) fan-out: 1 pusher, ${p.receivers} receivers`);
}

/** (e): as many idle connections as the fd limit allows, all still held. */
async function idle(ctx: ScenarioContext): Promise<ScenarioRow> {
  const limit = await openFileLimit();
  const target = Math.min(ctx.profile.idle.target, limit === undefined ? Infinity : limit - 1_000);
  const result = await runIdleConnections({
    node: ctx.pusherNode,
    target,
    signal: ctx.options.signal,
  });
  const row: ScenarioRow = {
    scenario: "e",
    title: `(e) idle connections: ${target} tried (fd limit ${limit ?? "?"})`,
    ok: result.held === result.opened && result.opened > 0 &&
      result.nodeCountedClients >= result.opened,
    rate: result.held,
    rateUnit: "conns",
    detail: { ...result, openFileLimit: limit },
  };
  if (ctx.full) {
    row.target = {
      text: ">= 15,000 at <= 2 KiB RSS each",
      met: row.ok && result.held >= 15_000 && (result.rssPerConnectionBytes ?? Infinity) <= 2048,
    };
  }
  return row;
}

/** (g): (b)'s shape with one reader per node that never reads. */
async function slowReaders(ctx: ScenarioContext): Promise<ScenarioRow> {
  const nodes = ctx.cluster.nodes;
  const result = await runFanout({
    ...throughputShape(ctx),
    slowReaderUrls: nodes.map((node) => node.wsUrl),
    messages: ctx.profile.slowReader.messages,
    chatId: 9007,
    timeoutMs: 60_000 + ctx.profile.slowReader.messages,
  });
  const title = `(g) ${nodes.length} slow readers (one per node) during (b), N=${result.messages}`;
  const row = fanoutRow("g", result, title);
  // A slow reader may only ever be closed as one: 4000.
  const slowReaderCode = String(CloseCode.slowReader);
  const codes = Object.keys(result.slowReaders.closedWith);
  const dropped = result.slowReaders.closedWith[slowReaderCode] ?? 0;
  row.ok = row.ok && codes.every((code) => code === slowReaderCode);
  if (ctx.full) {
    row.target = {
      text: "every slow reader dropped (4000), the others get everything",
      met: row.ok && dropped === result.slowReaders.count,
    };
  }
  return row;
}

/** (f): an empty node joins and catches up. */
async function catchUp(ctx: ScenarioContext): Promise<ScenarioRow> {
  if (!ctx.cluster.owned) throw new SkipScenario("needs a cluster this run starts (no --cluster)");
  const result = await runCatchUp({
    cluster: ctx.cluster,
    messages: ctx.profile.catchUp.messages,
    signal: ctx.options.signal,
  });
  const row: ScenarioRow = {
    scenario: "f",
    title: `(f) catch-up: ${result.toFetch} messages`,
    ok: true,
    rate: result.messagesPerSecond,
    rateUnit: "msg/s",
    detail: result,
  };
  if (ctx.full) row.target = { text: ">= 50,000 msg/s", met: result.messagesPerSecond >= 50_000 };
  return row;
}

const SCENARIOS: Record<ScenarioKey, (ctx: ScenarioContext) => Promise<ScenarioRow>> = {
  "http-post": (ctx) =>
    httpRow(ctx, "http-post", {
      url: `${ctx.pusherNode.url}/api/chats/9100/messages`,
      method: "POST",
      body: { text: "perf http post", sender: "perf-http" },
      expectedStatus: 201,
    }),
  "http-get": (ctx) =>
    httpRow(ctx, "http-get", { url: `${ctx.pusherNode.url}/api/chats/9100/messages?limit=50` }),
  "http-clients": (ctx) =>
    httpRow(ctx, "http-clients", { url: `${ctx.cluster.discoveryUrl}/api/clients` }),
  a: originalShape,
  b: throughput,
  c: (ctx) =>
    latency(ctx, { key: "c", share: ctx.profile.latency.shareOfThroughput, targetMs: 10 }),
  c2: (ctx) =>
    latency(ctx, { key: "c2", share: ctx.profile.latency.highShareOfThroughput, targetMs: 25 }),
  d: fanOut,
  e: idle,
  f: catchUp,
  g: slowReaders,
};

/** One scenario's row, with the cluster's usage around it; an error or a skip is a row too. */
async function runOne(ctx: ScenarioContext, key: ScenarioKey): Promise<ScenarioRow> {
  const nodes = ctx.cluster.nodes;
  try {
    // (f) changes the cluster (a joiner) and measures its own figures.
    const before = key === "f" ? undefined : await snapshotCluster(nodes);
    const row = await SCENARIOS[key](ctx);
    if (before !== undefined) {
      row.usage = diffSnapshots(nodes, before, await snapshotCluster(nodes));
    }
    return row;
  } catch (error) {
    return error instanceof SkipScenario
      ? { scenario: key, title: TITLES[key], ok: true, skipped: error.message }
      : { scenario: key, title: TITLES[key], ok: false, error: (error as Error).message };
  }
}

/** Runs the given scenarios in order; returns one row each. */
export async function runScenarios(options: RunScenariosOptions): Promise<ScenarioRow[]> {
  const { cluster, keys } = options;
  const nodes = cluster.nodes;
  const ctx: ScenarioContext = {
    cluster,
    profile: options.profile,
    full: options.profile.name === "full",
    options,
    pusherNode: nodes[0],
    localUrls: new Set([nodes[0].wsUrl]),
    receiversPerNode: (count) =>
      nodes.flatMap((node) => Array.from({ length: count }, () => node.wsUrl)),
  };
  if (nodes.length > 1 && keys.some((key) => key !== "f" && !key.startsWith("http"))) {
    await waitForMesh(nodes, { timeoutMs: 60_000, signal: options.signal });
  }
  const rows: ScenarioRow[] = [];
  for (const key of keys) {
    if (options.signal?.aborted) break;
    options.log?.(`running ${key}: ${TITLES[key]}`);
    const row = await runOne(ctx, key);
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
