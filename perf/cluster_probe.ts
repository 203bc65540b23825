/**
 * Where a scenario's work went: each node's CPU time (user + system from
 * /proc/PID/stat, for the processes this run started) and its counters from
 * /metrics (stored, delivered, acknowledged, group-commit batches), plus the
 * load generator's own CPU, snapshotted before and after a scenario and
 * subtracted; per node, the CPU per stored and per delivered message.
 *
 * Invariant: read-only and best effort: a figure that cannot be read is left
 * out, never guessed, and a failed probe never fails the scenario it observes.
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import type { PerfNode } from "./perf_cluster.ts";

const COUNTERS = {
  stored: "dsatter_messages_stored_total",
  delivered: "dsatter_messages_delivered_total",
  acked: "dsatter_messages_acked_total",
  commitBatches: "dsatter_commit_batches_total",
  dropped: "dsatter_clients_dropped_total",
  rateLimited: "dsatter_frames_rate_limited_total",
  searchBacklog: "dsatter_search_backlog_rows",
} as const;
type CounterName = keyof typeof COUNTERS;

interface NodeSnapshot {
  cpuMs?: number;
  counters: Partial<Record<CounterName, number>>;
}

export interface ClusterSnapshot {
  atMs: number;
  generatorCpuMs: number;
  nodes: NodeSnapshot[];
}

export interface NodeUsage {
  node: string;
  /** CPU seconds the node used (user + system), and as a share of one core. */
  cpuSeconds?: number;
  cpuCores?: number;
  counters: Partial<Record<CounterName, number>>;
  /** stored / commit batches: how well group commit batched. */
  messagesPerCommit?: number;
  /** CPU microseconds per stored message: the hot path's cost, whatever else loads the machine. */
  cpuMicrosPerMessage?: number;
  /** CPU microseconds per message delivered live to a local connection (the same CPU, shared). */
  cpuMicrosPerDelivery?: number;
}

export interface ClusterUsage {
  seconds: number;
  generatorCpuSeconds: number;
  generatorCores: number;
  /**
   * The load generator's CPU per delivery (all nodes' deliveries): a yardstick of the
   * machine's speed in the same run, to compare the nodes' figures with across runs.
   */
  generatorMicrosPerDelivery?: number;
  nodes: NodeUsage[];
}

/** User + system CPU milliseconds of a local process, from /proc/PID/stat. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Sums each counter's samples (every label set) from Prometheus text. */
export function parseCounters(text: string): Partial<Record<CounterName, number>> {
  const counters: Partial<Record<CounterName, number>> = {};
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const name = line.split(/[{\s]/, 1)[0];
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    for (const [key, metric] of Object.entries(COUNTERS) as [CounterName, string][]) {
      if (name === metric && Number.isFinite(value)) counters[key] = (counters[key] ?? 0) + value;
    }
  }
  return counters;
}

async function snapshotNode(node: PerfNode): Promise<NodeSnapshot> {
  let counters: NodeSnapshot["counters"] = {};
  try {
    const response = await fetch(`${node.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (response.ok) counters = parseCounters(await response.text());
  } catch {
    // best effort
  }
  return { cpuMs: processCpuMs(node.pid), counters };
}

/** Reads every node and this process now. */
export async function snapshotCluster(nodes: readonly PerfNode[]): Promise<ClusterSnapshot> {
  const usage = process.cpuUsage();
  return {
    atMs: performance.now(),
    generatorCpuMs: (usage.user + usage.system) / 1000,
    nodes: await Promise.all(nodes.map(snapshotNode)),
  };
}

/** What happened between two snapshots of the same nodes. */
export function diffSnapshots(
  nodes: readonly PerfNode[],
  before: ClusterSnapshot,
  after: ClusterSnapshot,
): ClusterUsage {
  const seconds = Math.max(0.001, (after.atMs - before.atMs) / 1000);
  const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
  const generatorCpuSeconds = (after.generatorCpuMs - before.generatorCpuMs) / 1000;
  const usage: ClusterUsage = {
    seconds: round(seconds),
    generatorCpuSeconds: round(generatorCpuSeconds),
    generatorCores: round(generatorCpuSeconds / seconds, 2),
    nodes: nodes.map((node, i) => {
      const a = before.nodes[i];
      const b = after.nodes[i];
      const counters: NodeUsage["counters"] = {};
      for (const key of Object.keys(COUNTERS) as CounterName[]) {
        if (a.counters[key] !== undefined && b.counters[key] !== undefined) {
          counters[key] = b.counters[key]! - a.counters[key]!;
        }
      }
      const usage: NodeUsage = { node: node.url, counters };
      if (a.cpuMs !== undefined && b.cpuMs !== undefined) {
        usage.cpuSeconds = round((b.cpuMs - a.cpuMs) / 1000);
        usage.cpuCores = round(usage.cpuSeconds / seconds, 2);
      }
      if (counters.stored !== undefined && counters.commitBatches) {
        usage.messagesPerCommit = round(counters.stored / counters.commitBatches, 1);
      }
      // Per message only where messages were the work (not idle connections, not reads).
      if (usage.cpuSeconds !== undefined && (counters.stored ?? 0) >= 1_000) {
        usage.cpuMicrosPerMessage = Math.round((usage.cpuSeconds * 1e6) / counters.stored!);
      }
      if (usage.cpuSeconds !== undefined && (counters.delivered ?? 0) >= 1_000) {
        usage.cpuMicrosPerDelivery = round((usage.cpuSeconds * 1e6) / counters.delivered!, 1);
      }
      return usage;
    }),
  };
  const deliveries = usage.nodes.reduce((sum, node) => sum + (node.counters.delivered ?? 0), 0);
  if (deliveries >= 1_000) {
    usage.generatorMicrosPerDelivery = round((generatorCpuSeconds * 1e6) / deliveries, 1);
  }
  return usage;
}
