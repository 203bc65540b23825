/**
 * A bun:test file's nodes, each started by the test that needs it with its own
 * flags, and the clients the tests open: all stopped after the file's tests,
 * even when one failed.
 *
 * Invariant: after the file's tests nothing it started is left running.
 * @module
 */

import { afterAll } from "bun:test";
import { type SpawnedNode, spawnNode } from "./spawn_node.ts";
import { openClient, type TestClient } from "./ws_test_client.ts";

export interface NodesFixture {
  /** Starts a standalone node with these extra flags (stopped after the file's tests). */
  node(extraArgs?: string[]): Promise<SpawnedNode>;
  /** Opens a client to a node (closed after the file's tests). */
  client(wsUrl: string): Promise<TestClient>;
}

/** Registers the file's afterAll that stops everything the fixture started. */
export function useTestNodes(): NodesFixture {
  const nodes: SpawnedNode[] = [];
  const clients: TestClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => null)));
    await Promise.all(nodes.map((node) => node.stop()));
  });
  return {
    async node(extraArgs = []) {
      const spawned = await spawnNode({ extraArgs });
      nodes.push(spawned);
      return spawned;
    },
    async client(wsUrl) {
      const opened = await openClient(wsUrl);
      clients.push(opened);
      return opened;
    },
  };
}
