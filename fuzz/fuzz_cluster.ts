/**
 * The processes the fuzzers hit: one real discovery (Deno, in-memory KV, a TTL
 * of an hour so that membership stays still while it is fuzzed) and two real
 * nodes (Bun) registered with it and linked to each other. The nodes' rate
 * limit is raised: the fuzzers send far faster than a person, and rate
 * limiting has its own tests.
 *
 * Invariant: stop() stops every process started here, even after a failed start.
 * @module
 */

import { spawnDiscovery, type SpawnedDiscovery } from "../discovery/testing/spawn_discovery.ts";
import { type SpawnedNode, spawnNode, TEST_CLUSTER_SECRET } from "../server/testing/spawn_node.ts";
import { waitUntil } from "../server/testing/ws_test_client.ts";
import type { FuzzTarget } from "./node_state.ts";

export interface FuzzCluster {
  discovery: SpawnedDiscovery;
  /** The node every surface fuzzes. */
  target: FuzzTarget;
  /** Its real peer. */
  realPeer: FuzzTarget;
  nodes: SpawnedNode[];
  clusterSecret: string;
  stop(): Promise<void>;
}

function targetOf(node: SpawnedNode): FuzzTarget {
  if (node.nodeId === undefined) {
    throw new Error("Cannot fuzz a node whose /healthz gave no nodeId");
  }
  return { url: node.url, wsUrl: node.wsUrl, nodeId: node.nodeId, pid: node.child.pid };
}

async function peerCount(url: string): Promise<number> {
  const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
  return ((await response.json()) as { peers: number }).peers;
}

export async function startFuzzCluster(options: { echo?: boolean } = {}): Promise<FuzzCluster> {
  const discovery = await spawnDiscovery({ clusterSecret: TEST_CLUSTER_SECRET, ttlSeconds: 3600 });
  const nodes: SpawnedNode[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop(10_000).catch(() => null)));
    await discovery.stop().catch(() => null);
  };
  try {
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await spawnNode({
          extraArgs: ["--discovery", discovery.url, "--rate-limit", "1000000"],
          env: { DSATTER_SYNC_INTERVAL_MS: "500" },
          echo: options.echo,
        }),
      );
    }
    await waitUntil(
      async () => (await peerCount(nodes[0].url)) === 1 && (await peerCount(nodes[1].url)) === 1,
      30_000,
      100,
    );
    return {
      discovery,
      target: targetOf(nodes[0]),
      realPeer: targetOf(nodes[1]),
      nodes,
      clusterSecret: TEST_CLUSTER_SECRET,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
