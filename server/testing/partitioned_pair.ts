/**
 * Test harness: two real nodes cut apart until the test heals them. Node X
 * dials node Y only through a TCP proxy that refuses connections until
 * `proxy.open()`; both sync fast and notice a silent peer quickly, so a test
 * sees the heal within seconds.
 *
 * Invariant: stop() stops both nodes and the proxy, even after a failed test.
 * @module
 */

import { type GatedTcpProxy, startGatedTcpProxy } from "./gated_tcp_proxy.ts";
import { type SpawnedNode, spawnNode } from "./spawn_node.ts";

const MESH_ENV = { DSATTER_SYNC_INTERVAL_MS: "300", DSATTER_PEER_TIMEOUT_MS: "3000" };

export interface PartitionedPair {
  /** The node dialled (through the proxy). */
  y: SpawnedNode;
  /** The node that dials Y (`--peers` the proxy). */
  x: SpawnedNode;
  proxy: GatedTcpProxy;
  stop(): Promise<void>;
}

export async function startPartitionedPair(): Promise<PartitionedPair> {
  const y = await spawnNode({ extraArgs: ["--standalone"], env: MESH_ENV });
  let proxy: GatedTcpProxy | undefined;
  try {
    proxy = await startGatedTcpProxy(y.port);
    const x = await spawnNode({
      extraArgs: ["--peers", `127.0.0.1:${proxy.port}`],
      env: MESH_ENV,
    });
    const gate = proxy;
    return {
      y,
      x,
      proxy: gate,
      async stop() {
        await Promise.all([x, y].map((node) => node.stop().catch(() => null)));
        await gate.close();
      },
    };
  } catch (error) {
    await y.stop().catch(() => null);
    await proxy?.close();
    throw error;
  }
}
