/**
 * Shape (e): how many idle client connections one node holds, and what each
 * costs it in resident memory. Opens connections up to a target (stopping at
 * the first one refused), checks the node counts them, proves they are alive
 * by fanning one message out to all of them, and reads the node's RSS before
 * and after from /proc when this run owns the process.
 *
 * RSS is read settled, before and after: once it has stopped moving while the
 * node sits idle (settledRssBytes), as a long-running node's would be, not in
 * the middle of what the opening left for the collector. A reading taken at an
 * arbitrary moment moved the figure by a third between runs.
 *
 * Invariant: every socket opened here is closed before returning; the number
 * reported as held is the number that received the probe message.
 * @module
 */

import { sleep } from "../common/abortable_sleep.ts";
import { waitUntil } from "../common/testing/wait_until.ts";
import { round3 } from "./latency_summary.ts";
import { epochNowMs, formatMessageTag, newRunId, parseMessageTag } from "./message_tag.ts";
import { nodeHealth, type PerfNode } from "./perf_cluster.ts";
import { closeRawWebSockets, connectRawWebSocket, type RawWebSocket } from "./raw_websocket.ts";
import { readRssBytes } from "../soak/process_stats.ts";

export interface IdleConnectionsOptions {
  node: PerfNode;
  /** How RSS is read settled. @default SETTLE_DEFAULTS */
  settle?: SettleOptions;
  /** Connections to try. */
  target: number;
  /** Handshakes in flight at once. @default 200 */
  concurrency?: number;
  /** Deadline for the whole scenario. @default 300000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface IdleConnectionsResult {
  target: number;
  opened: number;
  /** Connections that received the probe message: really held. */
  held: number;
  /** What the node's /healthz counted once they were open. */
  nodeCountedClients: number;
  /** Why opening stopped short of the target, if it did. */
  firstError?: string;
  openSeconds: number;
  /** Seconds from sending the probe until every held connection had it. */
  probeFanoutSeconds: number;
  rssBeforeBytes?: number;
  rssAfterBytes?: number;
  /** Seconds the node took to settle before each reading (capped at settle.maxMs). */
  settleSeconds?: { before: number; after: number };
  /** (rssAfter - rssBefore) / opened: what one idle connection costs the node. */
  rssPerConnectionBytes?: number;
  /** The node's RSS each quarter of the way (own processes only). */
  rssCurve: { connections: number; rssBytes: number }[];
  /** Bytes per connection between the first and the last point of rssCurve. */
  rssSlopeBytesPerConnection?: number;
}

export interface SettleOptions {
  /** Between readings. */
  pollMs: number;
  /** Settled: the readings of this long span at most `tolerance` of the last one. */
  windowMs: number;
  tolerance: number;
  /** The reading at this point is taken, settled or not. */
  maxMs: number;
}

export const SETTLE_DEFAULTS: SettleOptions = {
  pollMs: 250,
  windowMs: 2_000,
  tolerance: 0.005,
  maxMs: 20_000,
};

/**
 * The process's RSS once it stopped moving: the first reading whose window of earlier
 * readings spans at most `tolerance` of it (the collector and the allocator have done what
 * an idle process does), else the last one at maxMs; with the seconds it took.
 */
export async function settledRssBytes(
  pid: number | undefined,
  options: SettleOptions,
  signal: AbortSignal,
): Promise<{ bytes: number | undefined; seconds: number }> {
  const start = performance.now();
  const readings: number[] = [];
  const needed = Math.ceil(options.windowMs / options.pollMs) + 1;
  for (;;) {
    const bytes = await readRssBytes(pid);
    const seconds = round3((performance.now() - start) / 1000);
    if (bytes === undefined || signal.aborted) return { bytes, seconds };
    readings.push(bytes);
    const window = readings.slice(-needed);
    const spread = Math.max(...window) - Math.min(...window);
    const settled = window.length === needed && spread <= bytes * options.tolerance;
    if (settled || seconds * 1000 >= options.maxMs) return { bytes, seconds };
    await sleep(options.pollMs, signal);
  }
}

function slope(curve: { connections: number; rssBytes: number }[]): number | undefined {
  if (curve.length < 2) return undefined;
  const first = curve[0];
  const last = curve[curve.length - 1];
  return Math.round((last.rssBytes - first.rssBytes) / (last.connections - first.connections));
}

/** The run's shared state: the open sockets and how many saw the probe. */
interface IdleRun {
  node: PerfNode;
  runId: string;
  signal: AbortSignal;
  sockets: RawWebSocket[];
  probeArrivals: number;
  probeDone: Promise<void>;
  resolveProbe: () => void;
  firstError?: string;
}

/**
 * Opens up to `target` connections, `concurrency` at a time, and notes the node's RSS along the
 * way: a straight line says the per-connection figure is not a GC accident.
 */
async function openIdleConnections(
  run: IdleRun,
  options: { target: number; concurrency: number },
): Promise<{ connections: number; rssBytes: number }[]> {
  const onText = (text: string) => {
    if (!text.includes(run.runId)) return;
    const frame = JSON.parse(text) as { payload?: { text?: string }[] };
    const tag = parseMessageTag(frame.payload?.[0]?.text ?? "");
    if (tag?.runId !== run.runId) return;
    if (++run.probeArrivals === run.sockets.length) run.resolveProbe();
  };
  const rssCurve: { connections: number; rssBytes: number }[] = [];
  const checkpointEvery = Math.max(1, Math.ceil(options.target / 4));
  let next = 0;
  const worker = async () => {
    while (run.firstError === undefined && next < options.target && !run.signal.aborted) {
      next++;
      try {
        run.sockets.push(
          await connectRawWebSocket(run.node.wsUrl, { onText }, { handshakeTimeoutMs: 30_000 }),
        );
        const connections = run.sockets.length;
        if (connections % checkpointEvery === 0) {
          const rssBytes = await readRssBytes(run.node.pid);
          if (rssBytes !== undefined) rssCurve.push({ connections, rssBytes });
        }
      } catch (error) {
        run.firstError ??= (error as Error).message;
      }
    }
  };
  const workers = Math.min(options.concurrency, options.target);
  await Promise.all(Array.from({ length: workers }, worker));
  return rssCurve;
}

/** One message to everybody (a connection that does not get it is not held); its fan-out time. */
async function sendProbe(run: IdleRun): Promise<number> {
  const probeStart = performance.now();
  if (run.sockets.length === 0) return 0;
  const pusher = await connectRawWebSocket(run.node.wsUrl, { onText: () => {} });
  try {
    pusher.sendText(JSON.stringify({ type: "subscribe", payload: { chatIds: [] } }));
    const text = formatMessageTag({ runId: run.runId, index: 0, sentAtMs: epochNowMs() });
    pusher.sendText(JSON.stringify({
      type: "newMessageFromClient",
      payload: { text, sender: "perf-idle", chatId: 9005 },
    }));
    const aborted = new Promise<void>((resolve) => {
      if (run.signal.aborted) resolve();
      run.signal.addEventListener("abort", () => resolve());
    });
    const probeTimer = setTimeout(run.resolveProbe, 60_000);
    await Promise.race([run.probeDone, aborted]);
    clearTimeout(probeTimer);
  } finally {
    await closeRawWebSockets([pusher]);
  }
  return (performance.now() - probeStart) / 1000;
}

/** Runs shape (e) against one node. */
export async function runIdleConnections(
  options: IdleConnectionsOptions,
): Promise<IdleConnectionsResult> {
  const { node, target } = options;
  let resolveProbe!: () => void;
  const probeDone = new Promise<void>((resolve) => resolveProbe = resolve);
  const run: IdleRun = {
    node,
    runId: newRunId(),
    signal: AbortSignal.any([
      AbortSignal.timeout(options.timeoutMs ?? 300_000),
      ...(options.signal ? [options.signal] : []),
    ]),
    sockets: [],
    probeArrivals: 0,
    probeDone,
    resolveProbe,
  };
  const settle = options.settle ?? SETTLE_DEFAULTS;
  const before = await settledRssBytes(node.pid, settle, run.signal);
  const rssBeforeBytes = before.bytes;
  try {
    const openStart = performance.now();
    const rssCurve = await openIdleConnections(run, {
      target,
      concurrency: options.concurrency ?? 200,
    });
    const openSeconds = (performance.now() - openStart) / 1000;
    const opened = run.sockets.length;
    // The node's own count, then its memory once the connections are settled.
    let nodeCountedClients = 0;
    const counted = async () =>
      run.signal.aborted || (nodeCountedClients = (await nodeHealth(node)).clients) >= opened;
    // A count still short after 20 s is reported as it is.
    await waitUntil(counted, { deadlineMs: 20_000, pollMs: 100 }).catch(() => {});
    const after = await settledRssBytes(node.pid, settle, run.signal);
    const rssAfterBytes = after.bytes;
    const probeFanoutSeconds = await sendProbe(run);
    const grew = rssBeforeBytes !== undefined && rssAfterBytes !== undefined && opened > 0;
    return {
      target,
      opened,
      held: run.probeArrivals,
      nodeCountedClients,
      ...(run.firstError !== undefined ? { firstError: run.firstError } : {}),
      openSeconds: round3(openSeconds),
      probeFanoutSeconds: round3(probeFanoutSeconds),
      rssBeforeBytes,
      rssAfterBytes,
      settleSeconds: { before: before.seconds, after: after.seconds },
      rssPerConnectionBytes: grew
        ? Math.round((rssAfterBytes! - rssBeforeBytes!) / opened)
        : undefined,
      rssCurve,
      rssSlopeBytesPerConnection: slope(rssCurve),
    };
  } finally {
    await closeRawWebSockets(run.sockets, 30_000);
  }
}
