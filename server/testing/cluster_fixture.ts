/**
 * A bun:test suite's cluster: started before the suite's tests (linked in a
 * full mesh when it has several nodes), stopped after them together with every
 * client the tests opened, even when a test failed.
 *
 * Invariant: after the suite nothing it started is left running.
 * @module
 */

import { afterAll, beforeAll } from "bun:test";
import {
  startTestCluster,
  type TestCluster,
  type TestClusterOptions,
  waitForPeers,
} from "./peer_test_cluster.ts";
import type { TestClient } from "./ws_test_client.ts";

export interface ClusterFixture {
  /** The running cluster (set before the first test). */
  readonly cluster: TestCluster;
  /** Clients to close after the suite: tests push what they open. */
  readonly clients: TestClient[];
}

/** Registers the suite's beforeAll/afterAll; call it inside `describe`. */
export function useTestCluster(options: TestClusterOptions): ClusterFixture {
  let cluster: TestCluster | undefined;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    cluster = await startTestCluster(options);
    if (options.size > 1) await waitForPeers(cluster.nodes, options.size - 1);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => null)));
    await cluster?.stop();
  });
  return {
    get cluster() {
      if (!cluster) throw new Error("Cannot use the cluster: it has not started");
      return cluster;
    },
    clients,
  };
}
