/**
 * A bun:test file's node: one standalone node started before its tests, and
 * the clients they open, all stopped after them, even when a test failed.
 *
 * Invariant: after the file's tests nothing it started is left running.
 * @module
 */

import { afterAll, beforeAll } from "bun:test";
import { type SpawnedNode, spawnNode } from "./spawn_node.ts";
import { openClient, type TestClient } from "./ws_test_client.ts";

export interface NodeFixture {
  /** The running node (set before the first test). */
  readonly node: SpawnedNode;
  /** Opens a client (on the fixture's node unless told another URL), closed after the tests. */
  client(wsUrl?: string): Promise<TestClient>;
}

/** Registers the file's beforeAll/afterAll for one node. */
export function useTestNode(): NodeFixture {
  let node: SpawnedNode | undefined;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    node = await spawnNode();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await node?.stop();
  });
  const fixture: NodeFixture = {
    get node() {
      if (!node) throw new Error("Cannot use the node: it has not started");
      return node;
    },
    async client(wsUrl) {
      const opened = await openClient(wsUrl ?? fixture.node.wsUrl);
      clients.push(opened);
      return opened;
    },
  };
  return fixture;
}
