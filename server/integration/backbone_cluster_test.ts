/**
 * What the backbone carries besides messages, and the line it draws against the
 * mesh: chats and presence reach every node over NATS (presence drops as soon as
 * a node leaves), `/peer` on a backbone node answers 409, and a node that starts
 * into a cluster of the other transport exits with a clear error. Real
 * processes: discovery, Bun nodes, a nats-server with JetStream.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestCluster, type TestCluster, waitForPeers } from "../testing/peer_test_cluster.ts";
import { spawnNode, TEST_CLUSTER_SECRET } from "../testing/spawn_node.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

interface PresenceEntry {
  name: string;
  nodeId: number;
}

async function presenceOn(client: TestClient, ref: string): Promise<PresenceEntry[]> {
  client.send({ type: "presence", payload: {}, ref });
  const reply = await client.next((f) => f.type === "presenceList" && f.ref === ref);
  return reply.payload as PresenceEntry[];
}

describe("backbone cluster", () => {
  let cluster: TestCluster;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster({
      size: 2,
      transport: "nats",
      env: { DSATTER_PEER_TIMEOUT_MS: "3000" },
    });
    await waitForPeers(cluster.nodes, 1);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => null)));
    await cluster?.stop();
  });

  test("a chat created on A reaches B's hello clients and B's chat list", async () => {
    const [nodeA, nodeB] = cluster.nodes;
    const onA = await openClient(nodeA.wsUrl);
    const onB = await openClient(nodeB.wsUrl);
    clients.push(onA, onB);
    onB.send({ type: "hello", payload: { name: "bea" } });
    await onB.next((f) => f.type === "welcome");
    onA.send({ type: "createChat", payload: { name: "backbone room" }, ref: "c" });
    const created = await onA.next((f) => f.type === "chatCreated" && f.ref === "c");
    const chatId = (created.payload as { chatId: number }).chatId;
    const seen = await onB.next(
      (f) => f.type === "chatCreated" && (f.payload as { chatId: number }).chatId === chatId,
      20_000,
    );
    expect((seen.payload as { name: string }).name).toBe("backbone room");
    onB.send({ type: "listChats", payload: {}, ref: "l" });
    const list = await onB.next((f) => f.type === "chatList" && f.ref === "l");
    expect(list.payload as Array<{ chatId: number; name: string }>).toContainEqual(
      expect.objectContaining({ chatId, name: "backbone room" }),
    );
  }, 60_000);

  test("hello names on A are in B's presence list, and drop when A's client leaves", async () => {
    const [nodeA, nodeB] = cluster.nodes;
    const ann = await openClient(nodeA.wsUrl);
    const watcher = await openClient(nodeB.wsUrl);
    clients.push(ann, watcher);
    watcher.send({ type: "hello", payload: { name: "watcher" } });
    await watcher.next((f) => f.type === "welcome");
    ann.send({ type: "hello", payload: { name: "ann-on-a" } });
    await ann.next((f) => f.type === "welcome");
    let ref = 0;
    await waitUntil(
      async () =>
        (await presenceOn(watcher, `p${ref++}`)).some((p) =>
          p.name === "ann-on-a" && p.nodeId === nodeA.nodeId
        ),
      { deadlineMs: 20_000, pollMs: 100 },
    );
    await ann.close();
    await watcher.next((f) =>
      f.type === "presence" &&
      (f.payload as { name: string; online: boolean }).name === "ann-on-a" &&
      !(f.payload as { online: boolean }).online, 20_000);
  }, 60_000);

  test("/peer on a backbone node is refused with 409 and a sentence", async () => {
    const response = await fetch(`${cluster.nodes[0].url}/peer`);
    expect(response.status).toBe(409);
    expect((await response.json() as { error: string }).error).toContain("backbone");
  });

  test("a mesh node starting into this backbone cluster exits and says why", async () => {
    const mesh = await spawnNode({
      extraArgs: ["--discovery", cluster.discovery.url],
      env: { DSATTER_CLUSTER_SECRET: TEST_CLUSTER_SECRET },
    });
    try {
      const code = await Promise.race([
        mesh.exited,
        new Promise((resolve) => setTimeout(() => resolve("still running"), 20_000)),
      ]);
      expect(code).toBe(1);
      expect(mesh.stderrLines.join("\n")).toMatch(
        /Cannot join the cluster: node \d+ .* replicates over the NATS backbone .* this node over the mesh/,
      );
    } finally {
      await mesh.stop();
    }
    // The backbone nodes go on, still two.
    await waitForPeers(cluster.nodes, 1);
  }, 60_000);
});

describe("mixed start the other way", () => {
  test("a backbone node starting into a mesh cluster exits and says why", async () => {
    const meshCluster = await startTestCluster({ size: 1 });
    let natsCluster: TestCluster | undefined;
    try {
      natsCluster = await startTestCluster({ size: 0, transport: "nats" });
      const node = await spawnNode({
        extraArgs: [
          "--discovery",
          meshCluster.discovery.url,
          "--backbone",
          natsCluster.nats[0].url,
        ],
        env: { DSATTER_CLUSTER_SECRET: TEST_CLUSTER_SECRET },
      });
      try {
        const code = await Promise.race([
          node.exited,
          new Promise((resolve) => setTimeout(() => resolve("still running"), 20_000)),
        ]);
        expect(code).toBe(1);
        expect(node.stderrLines.join("\n")).toMatch(/replicates over the mesh .* NATS backbone/);
      } finally {
        await node.stop();
      }
    } finally {
      await natsCluster?.stop();
      await meshCluster.stop();
    }
  }, 60_000);
});
