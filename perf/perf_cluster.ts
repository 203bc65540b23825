/**
 * The cluster a perf run loads: either its own (one discovery on in-memory KV
 * and N nodes on temp DBs, all on loopback, started with the test harnesses)
 * or a running one found through its discovery's `GET /api/clients`.
 *
 * Invariant: stop() stops every process this module started, even when a
 * start failed halfway; an attached cluster is never stopped, only
 * disconnected from. Only loopback addresses are ever targeted.
 * @module
 */

import { hostForUrl } from "../common/host_address.ts";
import { waitUntil } from "../common/testing/wait_until.ts";
import { spawnDiscovery, type SpawnedDiscovery } from "../discovery/testing/spawn_discovery.ts";
import { type SpawnedNode, spawnNode } from "../server/testing/spawn_node.ts";
import { type NatsServer, startNatsServer } from "../server/testing/nats_server.ts";

export interface PerfNode {
  /** `http://HOST:PORT` */
  url: string;
  /** `ws://HOST:PORT/` */
  wsUrl: string;
  /** The process id when this run started the node (for RSS), else undefined. */
  pid?: number;
}

export interface PerfCluster {
  discoveryUrl: string;
  nodes: PerfNode[];
  /** True when this run started the processes (and may start more, or read their RSS). */
  owned: boolean;
  /** The nats-server's pid, when this run started one (`backbone`). */
  natsPid?: number;
  /** Starts one more node that joins through discovery; owned clusters only. */
  addNode?(): Promise<PerfNode>;
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  /** @default 3 */
  nodes?: number;
  /** `--rate-limit` for every node: load generators push far past a human's rate. */
  rateLimit?: number;
  /** Copy the processes' output to stderr. @default false */
  echo?: boolean;
  /**
   * Run every node under Bun's CPU profiler (BUN_OPTIONS), writing a Markdown profile per
   * node into this folder when it exits.
   */
  profileDir?: string;
  /** Replicate through a NATS JetStream backbone (a nats-server started here). @default false */
  backbone?: boolean;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Starts discovery and the nodes; on any failure stops what started and throws. */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<PerfCluster> {
  const count = options.nodes ?? 3;
  let discovery: SpawnedDiscovery | undefined;
  const spawned: SpawnedNode[] = [];
  let nats: NatsServer | undefined;
  async function stop() {
    await Promise.allSettled(spawned.map((node) => node.stop(15_000)));
    await discovery?.stop();
    await nats?.stop();
  }
  function toPerfNode(node: SpawnedNode): PerfNode {
    return { url: node.url, wsUrl: node.wsUrl, pid: node.child.pid };
  }
  async function addNode(): Promise<PerfNode> {
    if (discovery === undefined) throw new Error("Cannot add a node: discovery is not running");
    const extraArgs = ["--discovery", discovery.url];
    if (nats) extraArgs.push("--backbone", nats.url);
    if (options.rateLimit !== undefined) extraArgs.push("--rate-limit", String(options.rateLimit));
    const node = await spawnNode({
      extraArgs,
      env: {
        DSATTER_CLUSTER_SECRET: discovery.clusterSecret,
        ...(options.profileDir !== undefined
          ? { BUN_OPTIONS: `--cpu-prof-md --cpu-prof-dir=${options.profileDir}` }
          : {}),
      },
      echo: options.echo ?? false,
    });
    spawned.push(node);
    return toPerfNode(node);
  }
  try {
    if (options.backbone) nats = await startNatsServer({ echo: options.echo });
    discovery = await spawnDiscovery({ host: "127.0.0.1" });
    const nodes: PerfNode[] = [];
    // One at a time: each registers and logs in before the next one looks for peers.
    for (let i = 0; i < count; i++) nodes.push(await addNode());
    return {
      discoveryUrl: discovery.url,
      nodes,
      owned: true,
      natsPid: nats?.child.pid,
      addNode,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A running cluster, found through its discovery. */
export async function attachCluster(discoveryUrl: string): Promise<PerfCluster> {
  const base = discoveryUrl.replace(/\/+$/, "");
  assertLoopback(base);
  const response = await fetch(`${base}/api/clients`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) {
    throw new Error(`Cannot attach to ${base}: GET /api/clients answered ${response.status}`);
  }
  const body = await response.json() as { activeNodes?: { address: string; clientport: number }[] };
  const nodes = (body.activeNodes ?? []).map(({ address, clientport }) => {
    const host = hostForUrl(address);
    const url = `http://${host}:${clientport}`;
    assertLoopback(url);
    return { url, wsUrl: `ws://${host}:${clientport}/` };
  });
  if (nodes.length === 0) throw new Error(`Cannot attach to ${base}: no active node`);
  return { discoveryUrl: base, nodes, owned: false, stop: () => Promise.resolve() };
}

function assertLoopback(url: string) {
  const host = new URL(url).hostname;
  if (!LOOPBACK.has(host) && !host.startsWith("127.")) {
    throw new Error(`Cannot target ${url}: the perf harness only loads loopback addresses`);
  }
}

export interface NodeHealth {
  nodeId: number;
  peers: number;
  clients: number;
}

/** The node's /healthz. */
export async function nodeHealth(node: PerfNode): Promise<NodeHealth> {
  const response = await fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`Cannot read ${node.url}/healthz: ${response.status}`);
  return await response.json() as NodeHealth;
}

/** Waits until every node sees every other one as a connected peer. */
export async function waitForMesh(
  nodes: readonly PerfNode[],
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  let last = "";
  const fullMesh = async () => {
    options.signal?.throwIfAborted();
    try {
      const health = await Promise.all(nodes.map(nodeHealth));
      last = health.map((h) => `${h.nodeId}: ${h.peers} peers`).join(", ");
      return health.every((h) => h.peers >= nodes.length - 1);
    } catch (error) {
      last = (error as Error).message;
      return false;
    }
  };
  try {
    await waitUntil(fullMesh, {
      what: `a full mesh of ${nodes.length} nodes`,
      deadlineMs: options.timeoutMs ?? 30_000,
      pollMs: 100,
    });
  } catch (error) {
    throw new Error(`${(error as Error).message} (${last})`, { cause: error });
  }
}
