/**
 * The nemesis schedule: which fault hits which node when, and for how long,
 * drawn from a seed before the run starts. Pure, so the same seed and sizes
 * always give the same schedule, and the rules below are table-tested.
 *
 * Invariants of a plan:
 * - faults are sorted by start; each ends (is reverted) at or before durationMs;
 * - a node carries at most one node fault (kill, term, stop, skew, diskFull) at a
 *   time, counting a settle time after its end for the restart;
 * - at most maxNodeFaults node faults and maxNetworkFaults network faults (cut,
 *   cutOneWay, isolate) overlap, so some nodes always stay up;
 * - only kinds listed in `kinds` appear (cuts and disks need root).
 * @module
 */

import type { SeededRandom } from "./seeded_random.ts";

export const NODE_FAULT_KINDS = ["kill", "term", "stop", "skew", "diskFull"] as const;
export const NETWORK_FAULT_KINDS = ["cut", "cutOneWay", "isolate"] as const;
export type NodeFaultKind = typeof NODE_FAULT_KINDS[number];
export type NetworkFaultKind = typeof NETWORK_FAULT_KINDS[number];
export type FaultKind = NodeFaultKind | NetworkFaultKind;
export const ALL_FAULT_KINDS: readonly FaultKind[] = [...NODE_FAULT_KINDS, ...NETWORK_FAULT_KINDS];

export interface PlannedFault {
  /** 1-based, in start order. */
  index: number;
  kind: FaultKind;
  /** From the start of the run. */
  atMs: number;
  /** How long until it is reverted (restart, SIGCONT, link back, ballast freed). */
  durationMs: number;
  /** The node (0-based index in the cluster); for cuts, the sending side. */
  node: number;
  /** cut / cutOneWay: the other side (cutOneWay drops node -> peer only). */
  peer?: number;
  /** skew: the clock offset the node runs with meanwhile (never 0, |offset| <= 30 s). */
  clockOffsetMs?: number;
}

export interface FaultPlanOptions {
  random: SeededRandom;
  nodeCount: number;
  /** Faults start after warmupMs and are reverted by durationMs. */
  durationMs: number;
  kinds: readonly FaultKind[];
  /** Stop planning after this many. @default unlimited */
  maxFaults?: number;
  /** @default 3000 */
  warmupMs?: number;
}

/** Relative frequency of each kind. */
const WEIGHTS: Record<FaultKind, number> = {
  kill: 3,
  term: 1,
  stop: 3,
  skew: 1,
  diskFull: 1,
  cut: 2,
  cutOneWay: 2,
  isolate: 2,
};

/** [min, max] duration of each kind, ms. stop runs past the writers' 5 s ack timeout. */
const DURATIONS_MS: Record<FaultKind, [number, number]> = {
  kill: [500, 5000],
  term: [500, 3000],
  stop: [1000, 8000],
  skew: [3000, 10000],
  diskFull: [6000, 12000],
  cut: [2000, 10000],
  cutOneWay: [2000, 8000],
  isolate: [3000, 12000],
};

/** After a node fault ends, its node gets this long to restart before the next one. */
export const NODE_SETTLE_MS = 2000;
/** Gap between two fault starts, ms. */
const GAP_MS: [number, number] = [400, 2500];
/** Largest clock skew (the peers' "too far ahead" rule allows 60 s). */
export const MAX_SKEW_MS = 30_000;

interface Busy {
  fromMs: number;
  toMs: number;
  nodeFault: boolean;
  node: number;
}

function isNodeFault(kind: FaultKind): kind is NodeFaultKind {
  return (NODE_FAULT_KINDS as readonly string[]).includes(kind);
}

/** The seeded schedule. */
export function planFaults(options: FaultPlanOptions): PlannedFault[] {
  const { random, nodeCount, durationMs, kinds } = options;
  if (!Number.isInteger(nodeCount) || nodeCount < 2) {
    throw new RangeError(`Cannot plan faults: need at least 2 nodes, got ${nodeCount}`);
  }
  const maxFaults = options.maxFaults ?? Number.POSITIVE_INFINITY;
  const maxNodeFaults = Math.max(1, Math.floor((nodeCount - 1) / 2));
  const maxNetworkFaults = nodeCount >= 5 ? 2 : 1;
  const busy: Busy[] = [];
  const plan: PlannedFault[] = [];
  let atMs = options.warmupMs ?? 3000;
  while (plan.length < maxFaults && kinds.length > 0) {
    atMs += random.int(GAP_MS[0], GAP_MS[1]);
    if (atMs + 1000 > durationMs) break;
    const kind = pickKind(random, kinds);
    const [minMs, maxMs] = DURATIONS_MS[kind];
    const length = Math.min(random.int(minMs, maxMs), durationMs - atMs);
    const active = busy.filter((b) => b.fromMs < atMs + length && atMs < b.toMs);
    const fault = isNodeFault(kind)
      ? placeNodeFault(random, kind, active, nodeCount, maxNodeFaults)
      : placeNetworkFault(random, kind, active, nodeCount, maxNetworkFaults);
    if (!fault) continue;
    const planned: PlannedFault = {
      index: plan.length + 1,
      kind,
      atMs,
      durationMs: length,
      ...fault,
    };
    plan.push(planned);
    busy.push({
      fromMs: atMs,
      toMs: atMs + length + (isNodeFault(kind) ? NODE_SETTLE_MS : 0),
      nodeFault: isNodeFault(kind),
      node: planned.node,
    });
  }
  return plan;
}

function pickKind(random: SeededRandom, kinds: readonly FaultKind[]): FaultKind {
  const total = kinds.reduce((sum, kind) => sum + WEIGHTS[kind], 0);
  let draw = random.next() * total;
  for (const kind of kinds) {
    draw -= WEIGHTS[kind];
    if (draw < 0) return kind;
  }
  return kinds[kinds.length - 1];
}

function placeNodeFault(
  random: SeededRandom,
  kind: NodeFaultKind,
  active: Busy[],
  nodeCount: number,
  maxNodeFaults: number,
): Pick<PlannedFault, "node" | "clockOffsetMs"> | null {
  const nodeFaults = active.filter((b) => b.nodeFault);
  if (nodeFaults.length >= maxNodeFaults) return null;
  const free = range(nodeCount).filter((n) => !nodeFaults.some((b) => b.node === n));
  if (free.length === 0) return null;
  const node = random.pick(free);
  if (kind !== "skew") return { node };
  const magnitude = random.int(1000, MAX_SKEW_MS);
  return { node, clockOffsetMs: random.chance(0.5) ? magnitude : -magnitude };
}

function placeNetworkFault(
  random: SeededRandom,
  kind: NetworkFaultKind,
  active: Busy[],
  nodeCount: number,
  maxNetworkFaults: number,
): Pick<PlannedFault, "node" | "peer"> | null {
  if (active.filter((b) => !b.nodeFault).length >= maxNetworkFaults) return null;
  const node = random.int(0, nodeCount - 1);
  if (kind === "isolate") return { node };
  const others = range(nodeCount).filter((n) => n !== node);
  return { node, peer: random.pick(others) };
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

/** How many faults of each kind a plan (or a run) has, every kind listed. */
export function countByKind(faults: ReadonlyArray<{ kind: FaultKind }>): Record<FaultKind, number> {
  const counts = Object.fromEntries(ALL_FAULT_KINDS.map((k) => [k, 0])) as Record<
    FaultKind,
    number
  >;
  for (const fault of faults) counts[fault.kind] += 1;
  return counts;
}
