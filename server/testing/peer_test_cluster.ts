/**
 * Test harness for the mesh tests: a real discovery (in-memory KV) and real
 * nodes registered with it, plus the reads the tests compare across nodes
 * (full history in canonical order, a node's vector, its peer count).
 * Only tests import it.
 *
 * Invariant: stop() stops every process this cluster started, even after a
 * failed test; each node gets its own temp DB unless a test passes one.
 * @module
 */

import { spawnDiscovery, type SpawnedDiscovery } from "../../discovery/testing/spawn_discovery.ts";
import { type SpawnedNode, spawnNode, TEST_CLUSTER_SECRET } from "./spawn_node.ts";
import { fetchTrusting, type TestTls } from "./test_tls.ts";
import { type NatsServer, startNatsServer } from "./nats_server.ts";
import { openClient } from "./ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import type { ChatMessage, VectorWire } from "../../common/protocol.ts";

/** How a test cluster replicates: the mesh, or a NATS JetStream backbone (`--backbone`). */
export type TestTransport = "mesh" | "nats";
/** Both, for scenario suites that run once per transport. */
export const TEST_TRANSPORTS: TestTransport[] = ["mesh", "nats"];

export interface TestCluster {
  transport: TestTransport;
  discovery: SpawnedDiscovery;
  nodes: SpawnedNode[];
  /** The NATS servers of a backbone cluster (empty on the mesh). */
  nats: NatsServer[];
  /** Starts one more node registered with this discovery (optionally on an existing DB). */
  /** Starts one more node; extraArgs go to its command line (e.g. `--region`). */
  addNode(options?: { dbPath?: string; extraArgs?: string[] }): Promise<SpawnedNode>;
  /** Stops every process, SIGKILL where SIGTERM is not enough. */
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  size: number;
  /** DSATTER_SYNC_INTERVAL_MS of every node. @default 500 */
  syncIntervalMs?: number;
  /** Discovery `--ttl`. @default 3 */
  ttlSeconds?: number;
  /** Echo node output to stderr (debugging). @default false */
  echo?: boolean;
  /** Flags every node gets (e.g. `--auth required`). @default none */
  nodeArgs?: string[];
  /** TLS everywhere: discovery and every node serve with this material and trust its CA. */
  tls?: TestTls;
  /** @default "mesh" */
  transport?: TestTransport;
  /** Backbone only: these servers instead of one started here (stopped with the cluster). */
  natsServers?: NatsServer[];
  /** Extra environment for every node. */
  env?: Record<string, string>;
}

/** A node or anything with its URLs and the CA it needs (TLS). */
export interface NodeAddress {
  url: string;
  caPem?: string;
}

export async function startTestCluster(options: TestClusterOptions): Promise<TestCluster> {
  const transport = options.transport ?? "mesh";
  const nats: NatsServer[] = [...(options.natsServers ?? [])];
  if (transport === "nats" && nats.length === 0) {
    nats.push(await startNatsServer({ echo: options.echo }));
  }
  const stopNats = () => Promise.all(nats.map((server) => server.stop().catch(() => null)));
  let discovery: SpawnedDiscovery;
  try {
    discovery = await spawnDiscovery({
      clusterSecret: TEST_CLUSTER_SECRET,
      ttlSeconds: options.ttlSeconds ?? 3,
      tls: options.tls,
    });
  } catch (error) {
    await stopNats();
    throw error;
  }
  const backboneArgs = transport === "nats"
    ? ["--backbone", nats.map((server) => server.url).join(",")]
    : [];
  const nodes: SpawnedNode[] = [];
  const started: SpawnedNode[] = [];
  async function addNode(
    add: { dbPath?: string; extraArgs?: string[] } = {},
  ): Promise<SpawnedNode> {
    const node = await spawnNode({
      extraArgs: [
        "--discovery",
        discovery.url,
        ...backboneArgs,
        ...(options.nodeArgs ?? []),
        ...(add.extraArgs ?? []),
      ],
      env: {
        DSATTER_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
        DSATTER_SYNC_INTERVAL_MS: String(options.syncIntervalMs ?? 500),
        ...options.env,
      },
      dbPath: add.dbPath,
      echo: options.echo,
      tls: options.tls,
    });
    started.push(node);
    return node;
  }
  const cluster: TestCluster = {
    transport,
    discovery,
    nodes,
    nats,
    addNode,
    async stop() {
      await Promise.all(started.map((node) => node.stop(5000).catch(() => null)));
      await discovery.stop().catch(() => null);
      await stopNats();
    },
  };
  try {
    for (let i = 0; i < options.size; i++) nodes.push(await addNode());
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** GET /healthz of a node. */
export async function health(node: NodeAddress): Promise<{ nodeId: number; peers: number }> {
  const response = await fetchTrusting(node.caPem, `${node.url}/healthz`, {
    signal: AbortSignal.timeout(5000),
  });
  return await response.json() as { nodeId: number; peers: number };
}

/** Waits until every node reports `peers` links. */
export async function waitForPeers(
  nodes: NodeAddress[],
  peers: number,
  deadlineMs = 30_000,
): Promise<void> {
  await waitUntil(
    async () => {
      const all = await Promise.all(nodes.map((node) => health(node).catch(() => null)));
      return all.every((h) => h?.peers === peers);
    },
    { deadlineMs, pollMs: 100, what: `every node linked to ${peers} peers` },
  );
}

/** A chat no test writes to. */
export const QUIET_CHAT = 987_654_321;

/** The node's contiguous vector, from the `welcome` of a fresh hello connection. */
export async function vectorOf(node: { wsUrl: string; caPem?: string }): Promise<VectorWire> {
  const client = await openClient(node.wsUrl, { caPem: node.caPem });
  try {
    // Subscribed to an unused chat: a probe must not be flooded (and dropped) during a burst.
    client.send({ type: "subscribe", payload: { chatIds: [QUIET_CHAT] } });
    client.send({ type: "hello", payload: { name: "probe" } });
    const welcome = await client.next((f) => f.type === "welcome");
    return (welcome.payload as { vector: VectorWire }).vector;
  } finally {
    await client.close();
  }
}

/** Sum of a vector's marks: how many messages it covers. */
export function vectorTotal(vector: VectorWire): number {
  return Object.values(vector).reduce((sum, seq) => sum + seq, 0);
}

/** Waits until every node's vector equals the first one's and covers at least `total`. */
export async function waitForConvergence(
  nodes: Array<{ wsUrl: string; caPem?: string }>,
  total: number,
  deadlineMs = 30_000,
): Promise<VectorWire> {
  let vectors: VectorWire[] = [];
  try {
    await waitUntil(
      async () => {
        vectors = await Promise.all(nodes.map((node) => vectorOf(node)));
        const first = JSON.stringify(vectors[0]);
        return vectorTotal(vectors[0]) >= total &&
          vectors.every((v) => JSON.stringify(v) === first);
      },
      { deadlineMs, pollMs: 200 },
    );
  } catch (error) {
    throw new Error(`Cannot see convergence to ${total}: ${JSON.stringify(vectors)}`, {
      cause: error,
    });
  }
  return vectors[0];
}

/** A chat's whole visible history on one node, canonical order, paged with `before`. */
export async function fullHistory(
  node: { wsUrl: string; caPem?: string },
  chatId: number,
): Promise<ChatMessage[]> {
  const client = await openClient(node.wsUrl, { caPem: node.caPem });
  try {
    client.send({ type: "subscribe", payload: { chatIds: [QUIET_CHAT] } });
    let all: ChatMessage[] = [];
    let before: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const ref = `h${page}`;
      const payload: Record<string, unknown> = { chatId, limit: 1000 };
      if (before !== undefined) payload.before = before;
      client.send({ type: "clientSyncRequest", payload, ref });
      const reply = await client.next((f) => f.type === "clientSyncReply" && f.ref === ref, 30_000);
      const messages = reply.payload as ChatMessage[];
      all = [...messages, ...all];
      if (!reply.more || messages.length === 0) break;
      before = messages[0].messageId;
    }
    return all;
  } finally {
    await client.close();
  }
}
