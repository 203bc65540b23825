/**
 * Shape (f): a node joins empty while the others hold M messages; how many
 * seconds until it holds them all. Progress is read the way a client would:
 * the `welcome` vector (origin -> highest contiguous seq) after `hello`.
 *
 * Invariant: "has them all" means the joiner's vector is at or above the
 * seeded nodes' vector for every origin, which, seqs being gapless, is every
 * message; polls are bounded by the deadline.
 * @module
 */

import { sleep } from "../common/abortable_sleep.ts";
import { waitUntil } from "../common/testing/wait_until.ts";
import { parseCounters, processCpuMs } from "./cluster_probe.ts";
import { runFanout } from "./fanout_load.ts";
import { round3 } from "./latency_summary.ts";
import { type PerfCluster, type PerfNode, waitForMesh } from "./perf_cluster.ts";
import { connectRawWebSocket } from "./raw_websocket.ts";

export type Vector = Record<string, number>;

/** The node's contiguous vector, from a fresh connection's `welcome`. */
export async function readVector(node: PerfNode, timeoutMs = 10_000): Promise<Vector> {
  let resolveVector!: (vector: Vector) => void;
  const vector = new Promise<Vector>((resolve) => resolveVector = resolve);
  const socket = await connectRawWebSocket(node.wsUrl, {
    onText(text) {
      if (!text.includes('"welcome"')) return;
      const frame = JSON.parse(text) as { type: string; payload: { vector?: Vector } };
      if (frame.type === "welcome") resolveVector(frame.payload.vector ?? {});
    },
  }, { handshakeTimeoutMs: timeoutMs });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // Subscribed to nothing first, so the probe is not flooded with live messages.
    socket.sendText(JSON.stringify({ type: "subscribe", payload: { chatIds: [] } }));
    socket.sendText(JSON.stringify({ type: "hello", payload: { name: "perf-probe" } }));
    const timeout = new Promise<never>((_, reject) =>
      timer = setTimeout(
        () => reject(new Error(`Cannot read the vector of ${node.url}: no welcome`)),
        timeoutMs,
      )
    );
    return await Promise.race([vector, timeout]);
  } finally {
    clearTimeout(timer);
    await socket.close();
  }
}

/** Messages a vector covers. */
export function vectorTotal(vector: Vector): number {
  return Object.values(vector).reduce((sum, seq) => sum + seq, 0);
}

/** True when `vector` holds at least everything `target` does. */
export function vectorCovers(vector: Vector, target: Vector): boolean {
  return Object.entries(target).every(([origin, seq]) => (vector[origin] ?? 0) >= seq);
}

/** Polls until the node's vector covers the target; resolves with the time it happened. */
export async function waitForVector(
  node: PerfNode,
  target: Vector,
  options: { timeoutMs: number; pollMs?: number; signal?: AbortSignal },
): Promise<{ atMs: number; vector: Vector }> {
  const deadline = performance.now() + options.timeoutMs;
  let vector: Vector = {};
  while (performance.now() < deadline) {
    options.signal?.throwIfAborted();
    try {
      vector = await readVector(node);
      if (vectorCovers(vector, target)) return { atMs: performance.now(), vector };
    } catch {
      // Not up yet, or busy: poll again.
    }
    await sleep(options.pollMs ?? 100, options.signal);
  }
  throw new Error(
    `Cannot see ${node.url} catch up in ${options.timeoutMs} ms: it holds ` +
      `${vectorTotal(vector)} of ${vectorTotal(target)}`,
  );
}

export interface CatchUpOptions {
  /** An owned cluster; the seeded nodes are its current nodes. */
  cluster: PerfCluster;
  messages: number;
  /** Pushing connections for the seed, all on the first node. @default 4 */
  seedConnections?: number;
  /** @default 120000 plus 1 ms per message */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface CatchUpResult {
  seeded: number;
  seedSeconds: number;
  seedMessagesPerSecond: number;
  /** Seconds the seeded nodes took to index what was seeded, before the joiner started. */
  seededIndexSeconds: number;
  /** Messages the joiner had to fetch (every origin's, earlier runs' included). */
  toFetch: number;
  /** From starting the joining process until it holds every message. */
  catchUpSeconds: number;
  messagesPerSecond: number;
  /** CPU seconds the joiner used until it held everything (own clusters only). */
  joinerCpuSeconds?: number;
  /** CPU seconds the seeded nodes used meanwhile (serving the joiner). */
  seededNodesCpuSeconds?: number[];
  /** The joiner's group commits until then, and messages per commit (sync page size). */
  joinerCommits?: number;
  joinerMessagesPerCommit?: number;
}

/** Seeds the cluster's nodes, starts a joiner, and times its catch-up. */
export async function runCatchUp(options: CatchUpOptions): Promise<CatchUpResult> {
  const { cluster, messages } = options;
  if (cluster.addNode === undefined) {
    throw new Error("Cannot run catch-up: the cluster was not started by this run");
  }
  const timeoutMs = options.timeoutMs ?? 120_000 + messages;
  const first = cluster.nodes[0];
  await waitForMesh(cluster.nodes, { timeoutMs: 60_000, signal: options.signal });
  const seed = await runFanout({
    pusherUrls: Array.from({ length: options.seedConnections ?? 4 }, () => first.wsUrl),
    receiverUrls: [],
    messages,
    ackEvery: 100,
    windowPerPusher: 2_000,
    chatId: 9006,
    timeoutMs,
    settleMs: 0,
    signal: options.signal,
  });
  if (!seed.complete || seed.acks === 0) {
    throw new Error(`Cannot seed ${messages} messages: ${JSON.stringify(seed.errorFrames)}`);
  }
  // Every seeded node must hold the same before the joiner starts, and be at rest: its
  // search index caught up, as a cluster's nodes are when a new one joins.
  const target = await readVector(first);
  for (const node of cluster.nodes.slice(1)) {
    await waitForVector(node, target, { timeoutMs, signal: options.signal });
  }
  const indexStartedAt = performance.now();
  await waitUntil(async () => {
    const backlogs = await Promise.all(cluster.nodes.map(searchBacklogOf));
    return backlogs.every((rows) => rows === 0);
  }, { deadlineMs: timeoutMs, pollMs: 500, what: "the seeded nodes' search index caught up" });
  const seededIndexSeconds = (performance.now() - indexStartedAt) / 1000;
  const seededCpuBefore = cluster.nodes.map((node) => processCpuMs(node.pid));
  const startedAt = performance.now();
  const joiner = await cluster.addNode();
  const { atMs } = await waitForVector(joiner, target, {
    timeoutMs,
    pollMs: 50,
    signal: options.signal,
  });
  const joinerCpuMs = processCpuMs(joiner.pid);
  const seededCpuAfter = cluster.nodes.map((node) => processCpuMs(node.pid));
  const joinerCounters = await fetch(`${joiner.url}/metrics`, {
    signal: AbortSignal.timeout(5_000),
  })
    .then((response) => response.text()).then(
      parseCounters,
      () => ({}) as ReturnType<typeof parseCounters>,
    );
  const catchUpSeconds = (atMs - startedAt) / 1000;
  const toFetch = vectorTotal(target);
  return {
    seeded: messages,
    seedSeconds: seed.deliverSeconds,
    seedMessagesPerSecond: seed.messagesPerSecond,
    seededIndexSeconds: round3(seededIndexSeconds),
    toFetch,
    catchUpSeconds: round3(catchUpSeconds),
    messagesPerSecond: catchUpSeconds > 0 ? Math.round(toFetch / catchUpSeconds) : 0,
    ...(joinerCpuMs !== undefined ? { joinerCpuSeconds: joinerCpuMs / 1000 } : {}),
    ...(joinerCounters.commitBatches
      ? {
        joinerCommits: joinerCounters.commitBatches,
        joinerMessagesPerCommit: Math.round(
          (joinerCounters.stored ?? 0) / joinerCounters.commitBatches,
        ),
      }
      : {}),
    ...(seededCpuBefore.every((cpu) => cpu !== undefined)
      ? {
        seededNodesCpuSeconds: seededCpuAfter.map((after, i) =>
          ((after ?? 0) - seededCpuBefore[i]!) / 1000
        ),
      }
      : {}),
  };
}

/** A node's search backlog from /metrics; -1 when it cannot be read (keeps the wait going). */
async function searchBacklogOf(node: PerfNode): Promise<number> {
  try {
    const response = await fetch(`${node.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return parseCounters(await response.text()).searchBacklog ?? -1;
  } catch {
    return -1;
  }
}
