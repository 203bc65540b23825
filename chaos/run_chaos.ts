/**
 * One chaos run, start to verdict: clean up what dead runs left, build the
 * network (namespaces as root, loopback otherwise), start discovery and the
 * nodes, run writers, readers and the nemesis for the planned time, heal, wait
 * for convergence, read every node, check the history, and keep the evidence
 * under test-artifacts/chaos-<seed>/ when a check fails.
 *
 * Invariants: whatever happens (a failed check, an exception, SIGINT through
 * `abort`), every process, mount, namespace and link of the run is removed
 * before runChaos returns or throws; the seed is in every summary.
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type {
  ChaosHistory,
  DiskFillRecord,
  FaultRecord,
  UnexpectedExit,
  WriteRecord,
} from "./chaos_history.ts";
import { ChaosCluster } from "./chaos_cluster.ts";
import { ChaosReader } from "./chaos_reader.ts";
import { ChaosWriter } from "./chaos_writer.ts";
import { keepArtifacts } from "./chaos_artifacts.ts";
import { ALL_FAULT_KINDS, type FaultKind, planFaults, type PlannedFault } from "./fault_plan.ts";
import { readRows, readVector, readVisible, waitForConvergence } from "./final_state.ts";
import { type ChaosVerdict, checkHistory } from "./history_check.ts";
import {
  type ChaosNetwork,
  loopbackNetwork,
  namespaceNetwork,
  namespacesUnavailable,
  removeLeftoverNetworks,
} from "./net_lab.ts";
import { Nemesis } from "./nemesis.ts";
import { createSeededRandom, type SeededRandom } from "./seeded_random.ts";
import { removeLeftoverDisks } from "./small_disk.ts";
import { sleep } from "../common/abortable_sleep.ts";

export interface ChaosRunOptions {
  seed: number;
  nodeCount: number;
  durationMs: number;
  /** End after this many faults (the run is then shorter than durationMs). */
  maxFaults?: number;
  /** Where failed runs keep their evidence. */
  artifactsRoot: string;
  log: (line: string) => void;
  /** Aborting ends the fault phase early; the run still heals, checks and cleans up. */
  signal?: AbortSignal;
}

export interface ChaosRunResult {
  history: ChaosHistory;
  verdict: ChaosVerdict;
  networkKind: ChaosNetwork["kind"];
  /** Set when the cut and disk faults were left out, and why. */
  skippedFaults?: string;
  /** Where the evidence was kept (failed runs only). */
  artifactsPath?: string;
  elapsedMs: number;
}

const WRITERS = 3;
const ACK_TIMEOUT_MS = 5000;
const WRITE_RATE_PER_SECOND = 25;
const READERS = 4;
const DISK_MIB = 256;
const CONVERGENCE_DEADLINE_MS = 90_000;
const DRAIN_DEADLINE_MS = 30_000;
const READER_CATCH_UP_MS = 30_000;
const NETWORK_KINDS: readonly FaultKind[] = ["cut", "cutOneWay", "isolate", "diskFull"];

export async function runChaos(options: ChaosRunOptions): Promise<ChaosRunResult> {
  const startMs = performance.now();
  const clockMs = () => Math.round(performance.now() - startMs);
  for (const left of [...removeLeftoverNetworks(), ...removeLeftoverDisks()]) {
    options.log(`removed a dead run's leftover: ${left}`);
  }
  const unavailable = namespacesUnavailable();
  const network = unavailable ? loopbackNetwork() : namespaceNetwork(options.nodeCount);
  const skippedFaults = unavailable
    ? `cut and disk-full faults skipped: ${unavailable}`
    : undefined;
  if (skippedFaults) options.log(skippedFaults);
  const random = createSeededRandom(options.seed);
  const kinds = ALL_FAULT_KINDS.filter((kind) => !unavailable || !NETWORK_KINDS.includes(kind));
  const plan = planFaults({
    random: random.fork(),
    nodeCount: options.nodeCount,
    durationMs: options.durationMs,
    kinds,
    maxFaults: options.maxFaults,
  });
  const history: ChaosHistory = {
    seed: options.seed,
    nodeCount: options.nodeCount,
    durationMs: 0,
    writes: [] as WriteRecord[],
    readers: [],
    faults: [] as FaultRecord[],
    diskFills: [] as DiskFillRecord[],
    unexpectedExits: [] as UnexpectedExit[],
    finals: [],
  };
  const runDir = mkdtempSync(join(tmpdir(), `dsatter-chaos-${process.pid}-`));
  let cluster: ChaosCluster | undefined;
  try {
    cluster = await ChaosCluster.start({
      nodeCount: options.nodeCount,
      runDir,
      network,
      diskMiB: unavailable ? undefined : DISK_MIB,
      clockMs,
      unexpectedExits: history.unexpectedExits,
      log: options.log,
    });
    if (!(await cluster.waitForMesh(60_000))) throw new Error("Cannot run: the mesh never formed");
    const endMs = plan.length > 0 && options.maxFaults !== undefined
      ? Math.min(options.durationMs, Math.max(...plan.map((f) => f.atMs + f.durationMs)) + 2000)
      : options.durationMs;
    await exercise({ cluster, history, random, plan, clockMs, endMs, options });
    await readFinals(cluster, history);
    const verdict = checkHistory(history);
    const artifactsPath = verdict.ok
      ? undefined
      : keepArtifacts({ root: options.artifactsRoot, history, verdict, runDir, cluster });
    return {
      history,
      verdict,
      networkKind: network.kind,
      skippedFaults,
      artifactsPath,
      elapsedMs: clockMs(),
    };
  } catch (error) {
    const kept = cluster
      ? keepArtifacts({ root: options.artifactsRoot, history, runDir, cluster })
      : undefined;
    throw new Error(
      `Cannot finish the chaos run (seed ${options.seed}): ${(error as Error).message}` +
        (kept ? `; evidence kept in ${kept}` : ""),
      { cause: error },
    );
  } finally {
    if (cluster) await cluster.stop().catch(() => {});
    else network.close();
    rmSync(runDir, { recursive: true, force: true });
  }
}

interface ExerciseContext {
  cluster: ChaosCluster;
  history: ChaosHistory;
  random: SeededRandom;
  plan: readonly PlannedFault[];
  clockMs: () => number;
  endMs: number;
  options: ChaosRunOptions;
}

/** Writers, readers and the nemesis until endMs; then the heal, the drain and convergence. */
async function exercise(context: ExerciseContext): Promise<void> {
  const { cluster, history, random, clockMs, options } = context;
  const writers = Array.from({ length: WRITERS }, (_, i) =>
    new ChaosWriter({
      name: `w${i + 1}`,
      random: random.fork(),
      nodes: cluster,
      chatIds: [1, 2, 3],
      ratePerSecond: WRITE_RATE_PER_SECOND,
      maxInFlight: 100,
      ackTimeoutMs: ACK_TIMEOUT_MS,
      clockMs,
      writes: history.writes,
    }));
  const readers = Array.from({ length: READERS }, (_, i) =>
    new ChaosReader({
      name: `r${i + 1}`,
      hello: i % 2 === 0,
      random: random.fork(),
      nodes: cluster,
      clockMs,
      silenceMs: 3000,
      churnMs: [5000, 20_000],
    }));
  history.readers = readers.map((reader) => reader.record);
  for (const reader of readers) reader.start();
  for (const writer of writers) writer.start();
  const nemesis = new Nemesis({
    cluster,
    plan: context.plan,
    clockMs,
    faults: history.faults,
    diskFills: history.diskFills,
    writes: history.writes,
    log: options.log,
  });
  const faultPhase = new AbortController();
  const stopEarly = () => faultPhase.abort();
  options.signal?.addEventListener("abort", stopEarly, { once: true });
  const endTimer = setTimeout(stopEarly, Math.max(0, context.endMs - clockMs()));
  await nemesis.run(faultPhase.signal);
  await new Promise<void>((resolve) => {
    if (faultPhase.signal.aborted) resolve();
    else faultPhase.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  clearTimeout(endTimer);
  options.signal?.removeEventListener("abort", stopEarly);
  history.durationMs = clockMs();
  options.log(`healing after ${(history.durationMs / 1000).toFixed(1)} s`);
  await nemesis.heal();
  await cluster.normalize();
  const healedAtMs = clockMs();
  for (const reader of readers) reader.settle();
  await Promise.all(writers.map((writer) => writer.drain(DRAIN_DEADLINE_MS)));
  history.writerConnections = writers.reduce((sum, writer) => sum + writer.connections, 0);
  const converged = await waitForConvergence(
    () => cluster.nodes.map((node) => node.wsUrl),
    CONVERGENCE_DEADLINE_MS,
  );
  if (converged.convergedAfterMs !== undefined) history.convergenceMs = clockMs() - healedAtMs;
  const finalVector = converged.vectors[0] ?? {};
  const catchUpDeadline = performance.now() + READER_CATCH_UP_MS;
  while (!readers.every((r) => r.covers(finalVector)) && performance.now() < catchUpDeadline) {
    for (const reader of readers) if (!reader.covers(finalVector)) reader.refresh();
    await sleep(500);
  }
  await Promise.all(readers.map((reader) => reader.stop()));
}

/** Each node's vector and visible history through the protocol, then its rows once stopped. */
async function readFinals(cluster: ChaosCluster, history: ChaosHistory): Promise<void> {
  for (const node of cluster.nodes) {
    history.finals.push({
      node: node.index,
      nodeId: node.nodeId ?? -1,
      vector: await readVector(node.wsUrl),
      messages: await readVisible(node.wsUrl),
    });
  }
  await cluster.stopProcesses();
  for (const final of history.finals) {
    try {
      final.rows = readRows(cluster.nodes[final.node].dbPath);
    } catch { /* rows stay unknown: the gap check then relies on the vectors */ }
  }
}
