/**
 * A bun:test suite's cluster: started before the suite's tests (linked in a
 * full mesh when it has several nodes), stopped after them together with every
 * client the tests opened, even when a test failed. With `restartableNode`, its
 * last node keeps its database in a folder of the suite's own, so a test can
 * stop it and start it again on its data (the harness removes only the files
 * it made).
 *
 * Invariant: after the suite nothing it started is left running.
 * @module
 */

import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

export interface ClusterFixtureOptions extends TestClusterOptions {
  /** One more node after `size`, on a database file of this name in the suite's own folder. */
  restartableNode?: string;
}

/** Registers the suite's beforeAll/afterAll; call it inside `describe`. */
export function useTestCluster(options: ClusterFixtureOptions): ClusterFixture {
  let cluster: TestCluster | undefined;
  let dir: string | undefined;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    cluster = await startTestCluster(options);
    if (options.restartableNode !== undefined) {
      dir = mkdtempSync(join(tmpdir(), "dsatter-fixture-"));
      cluster.nodes.push(await cluster.addNode({ dbPath: join(dir, options.restartableNode) }));
    }
    if (cluster.nodes.length > 1) await waitForPeers(cluster.nodes, cluster.nodes.length - 1);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => null)));
    await cluster?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get cluster() {
      if (!cluster) throw new Error("Cannot use the cluster: it has not started");
      return cluster;
    },
    clients,
  };
}
