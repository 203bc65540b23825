/**
 * One soak: discovery and three nodes (real processes), steady writers, slow
 * readers, readers that come and go with `since`, chat churn; samples every
 * few seconds; at the end the load stops, the nodes converge, and the checks
 * of soak_checks.ts decide. Used by `make soak` (soak/main.ts) and the smoke
 * test in `make test`.
 *
 * Invariant: every process and connection started here is stopped before
 * run() returns, even on failure.
 * @module
 */

import {
  startTestCluster,
  type TestCluster,
  waitForConvergence,
  waitForPeers,
} from "../server/testing/peer_test_cluster.ts";
import type { SpawnedNode } from "../server/testing/spawn_node.ts";
import { waitUntil } from "../common/testing/wait_until.ts";
import { openClient } from "../server/testing/ws_test_client.ts";
import { metricValue, readAllMessages } from "../fuzz/node_state.ts";
import { createSeededRandom, type SeededRandom } from "../chaos/seeded_random.ts";
import { ChatChurner } from "./chat_churner.ts";
import { ChurnReader } from "./churn_reader.ts";
import { readOpenFdCount } from "./process_stats.ts";
import { SlowReader } from "./slow_reader.ts";
import { deliveryCheck, processChecks, type SoakCheck } from "./soak_checks.ts";
import { SoakLedger } from "./soak_ledger.ts";
import { type Sample, type SampledProcess, takeSample } from "./soak_sampler.ts";
import { SoakWriter } from "./soak_writer.ts";

export interface SoakOptions {
  durationSeconds: number;
  seed: number;
  /** @default 3000 */
  sampleIntervalMs?: number;
  /** Messages per second per writer (three writers, one per node). @default 20 */
  writerRatePerSecond?: number;
  onSample?: (sample: Sample) => void;
}

export interface SoakResult {
  seed: number;
  durationSeconds: number;
  samples: Sample[];
  checks: SoakCheck[];
  counters: SoakLedger["counters"];
  duplicateExamples: string[];
  droppedSlowReaders: number;
  ok: boolean;
}

type Actor = { run(signal: AbortSignal): Promise<void>; close(): void | Promise<void> };

async function nodeJson(node: SpawnedNode, path: string): Promise<string> {
  return await (await fetch(`${node.url}${path}`, { signal: AbortSignal.timeout(10_000) })).text();
}

async function startCluster(): Promise<TestCluster> {
  const cluster = await startTestCluster({ size: 3, syncIntervalMs: 1000, ttlSeconds: 10 });
  try {
    await waitForPeers(cluster.nodes, 2);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

function actorsFor(
  nodes: SpawnedNode[],
  ledger: SoakLedger,
  random: SeededRandom,
  ratePerSecond: number,
): Actor[] {
  const actors: Actor[] = nodes.map((node, i) =>
    new SoakWriter({
      node,
      ledger,
      random: random.fork(),
      name: `writer-${i}`,
      ratePerSecond,
    })
  );
  nodes.forEach((node) => actors.push(new SlowReader({ node, ledger, mode: "never" })));
  actors.push(new SlowReader({ node: nodes[0], ledger, mode: "rarely" }));
  for (let i = 0; i < 3; i++) {
    actors.push(
      new ChurnReader({ nodes, ledger, random: random.fork(), name: `churn-${i}` }),
    );
  }
  actors.push(new ChatChurner({ nodes, ledger, random: random.fork() }));
  return actors;
}

async function droppedTotal(nodes: SpawnedNode[]): Promise<number> {
  let total = 0;
  for (const node of nodes) {
    total += metricValue(await nodeJson(node, "/metrics"), "dsatter_clients_dropped_total");
  }
  return total;
}

/** Convergence, every acknowledged message on every node, open files back to baseline. */
async function endChecks(
  nodes: SpawnedNode[],
  ledger: SoakLedger,
  baselineFds: number[],
): Promise<SoakCheck[]> {
  const checks: SoakCheck[] = [];
  const converged = await waitForConvergence(nodes, ledger.acked.size, 60_000).then(
    (vector) => ({ ok: true, detail: JSON.stringify(vector) }),
    (error: Error) => ({ ok: false, detail: error.message }),
  );
  checks.push({ name: "nodes converge", ...converged });
  for (const [i, node] of nodes.entries()) {
    const client = await openClient(node.wsUrl);
    try {
      const messages = await readAllMessages(client) as {
        messageId: string;
        sender: string;
        clientMsgId?: string;
      }[];
      checks.push(...deliveryCheck(`node ${i + 1}`, ledger.acked, messages));
    } finally {
      await client.close();
    }
  }
  for (const [i, node] of nodes.entries()) {
    let fds = Infinity;
    const back = await waitUntil(
      async () => {
        fds = (await readOpenFdCount(node.child.pid)) ?? Infinity;
        return fds <= baselineFds[i] + 8;
      },
      { deadlineMs: 20_000, pollMs: 250 },
    ).then(() => true, () => false);
    checks.push({
      name: `node ${i + 1} open files back to baseline`,
      ok: back,
      detail: `${fds} open, ${baselineFds[i]} before the load`,
    });
  }
  return checks;
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const random = createSeededRandom(options.seed);
  const ledger = new SoakLedger();
  const cluster = await startCluster();
  const { nodes, discovery } = cluster;
  const processes: SampledProcess[] = [
    ...nodes.map((node, i) => ({ name: `node${i + 1}`, pid: node.child.pid, dbPath: node.dbPath })),
    { name: "discovery", pid: discovery.pid },
  ];
  const samples: Sample[] = [];
  const abort = new AbortController();
  const actors = actorsFor(nodes, ledger, random, options.writerRatePerSecond ?? 20);
  try {
    const baselineFds = await Promise.all(
      nodes.map(async (n) => (await readOpenFdCount(n.child.pid)) ?? 0),
    );
    const droppedBefore = await droppedTotal(nodes);
    const running = actors.map((actor) => actor.run(abort.signal));
    const startMs = Date.now();
    while (Date.now() - startMs < options.durationSeconds * 1000) {
      await new Promise((resolve) => setTimeout(resolve, options.sampleIntervalMs ?? 3000));
      const sample = await takeSample(
        processes,
        Math.round((Date.now() - startMs) / 1000),
        ledger.counters,
      );
      samples.push(sample);
      options.onSample?.(sample);
    }
    abort.abort();
    await Promise.all(running);
    await Promise.all(actors.map((actor) => actor.close()));
    const checks = processes.flatMap((p) => processChecks(samples, p.name, p.dbPath !== undefined));
    checks.push(...await endChecks(nodes, ledger, baselineFds));
    const droppedSlowReaders = (await droppedTotal(nodes)) - droppedBefore;
    checks.push(
      {
        name: "slow readers dropped past the buffer limit",
        ok: droppedSlowReaders > 0,
        detail: `${droppedSlowReaders} dropped (4000)`,
      },
      {
        name: "resuming readers get nothing twice (beyond the crossings docs/SERVER.md allows)",
        ok: ledger.counters.churnDuplicates === 0,
        detail:
          `${ledger.counters.churnDuplicates} of ${ledger.counters.churnMessages} deliveries ` +
          `again; allowed: ${ledger.counters.churnLiveThenReply} live then in the reply, ` +
          `${ledger.counters.churnCrossedResume} live across the resume request`,
      },
      {
        name: "one messageId per acknowledged send",
        ok: ledger.counters.ackMismatches === 0,
        detail: `${ledger.counters.ackMismatches} mismatches`,
      },
    );
    for (const [i, node] of nodes.entries()) {
      const alive = node.child.exitCode === null && node.child.signalCode === null;
      checks.push({
        name: `node ${i + 1} still running`,
        ok: alive,
        detail: alive ? "yes" : node.stderrLines.slice(-3).join(" | "),
      });
    }
    return {
      seed: options.seed,
      durationSeconds: options.durationSeconds,
      samples,
      checks,
      counters: ledger.counters,
      duplicateExamples: ledger.duplicateExamples,
      droppedSlowReaders,
      ok: checks.every((check) => check.ok),
    };
  } finally {
    abort.abort();
    for (const actor of actors) await Promise.resolve(actor.close()).catch(() => {});
    await cluster.stop();
  }
}
