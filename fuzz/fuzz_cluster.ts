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

import type { SpawnedDiscovery } from "../discovery/testing/spawn_discovery.ts";
import {
  startTestCluster,
  type TestCluster,
  waitForPeers,
} from "../server/testing/peer_test_cluster.ts";
import { type SpawnedNode, TEST_CLUSTER_SECRET } from "../server/testing/spawn_node.ts";
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

/**
 * A discovery whose membership stays still while it is fuzzed (TTL one hour) and no node
 * yet; `env` goes to every node (the access surface's auth secret).
 */
export function startFuzzDiscovery(
  options: { echo?: boolean; env?: Record<string, string> } = {},
): Promise<TestCluster> {
  return startTestCluster({
    size: 0,
    ttlSeconds: 3600,
    syncIntervalMs: 500,
    echo: options.echo,
    env: options.env,
  });
}

export async function startFuzzCluster(options: { echo?: boolean } = {}): Promise<FuzzCluster> {
  const cluster = await startFuzzDiscovery(options);
  try {
    const nodes: SpawnedNode[] = [];
    for (let i = 0; i < 2; i++) {
      nodes.push(await cluster.addNode({ extraArgs: ["--rate-limit", "1000000"] }));
    }
    await waitForPeers(nodes, 1);
    return {
      discovery: cluster.discovery,
      target: targetOf(nodes[0]),
      realPeer: targetOf(nodes[1]),
      nodes,
      clusterSecret: TEST_CLUSTER_SECRET,
      stop: () => cluster.stop(),
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
