/**
 * The backbone losing things: a wiped stream (deleted and created anew while a
 * node is down) still converges, because anti-entropy runs between the nodes over
 * NATS request/reply; and a three-server NATS cluster (routes, stream replicas 3)
 * losing one server to SIGKILL while the chat goes on loses no acknowledged
 * message. Real processes: discovery, Bun nodes, nats-server with JetStream.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { ChatMessage } from "../../common/protocol.ts";
import { startNatsCluster } from "../testing/nats_server.ts";
import {
  fullHistory,
  startTestCluster,
  type TestCluster,
  waitForConvergence,
  waitForPeers,
} from "../testing/peer_test_cluster.ts";
import type { SpawnedNode } from "../testing/spawn_node.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

const CHAT = 7171;
const clients: TestClient[] = [];
const clusters: TestCluster[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => null)));
  await Promise.all(clusters.map((c) => c.stop()));
});

/** Sends `count` messages with clientMsgIds `<tag>-<i>`; returns the acked messageIds (live). */
function sendBurst(client: TestClient, tag: string, count: number): void {
  for (let i = 0; i < count; i++) {
    client.send({
      type: "newMessageFromClient",
      payload: { chatId: CHAT, sender: tag, text: `${tag} ${i}`, clientMsgId: `${tag}-${i}` },
    });
  }
}

function acked(client: TestClient, tag?: string): string[] {
  return client.frames.filter((f) =>
    f.type === "clientMessageResponse" &&
    (tag === undefined || (f.payload as { clientMsgId: string }).clientMsgId.startsWith(`${tag}-`))
  ).map((f) => (f.payload as { messageId: string }).messageId);
}

async function expectAllPresent(nodes: SpawnedNode[], ids: string[]): Promise<void> {
  const histories = await Promise.all(nodes.map((node) => fullHistory(node, CHAT)));
  const reference = histories[0].map((m: ChatMessage) => m.messageId);
  for (const history of histories) {
    const present = new Set(history.map((m) => m.messageId));
    expect(history.map((m) => m.messageId)).toEqual(reference);
    expect(ids.filter((id) => !present.has(id))).toEqual([]);
  }
}

/** The server name (n1..n3) leading the cluster's stream, with 3 replicas. */
async function streamLeader(servers: string[]): Promise<string> {
  const nc = await connect({ servers });
  try {
    const jsm = await jetstreamManager(nc);
    const [stream] = await jsm.streams.names().next();
    const info = await jsm.streams.info(stream);
    expect(info.config.num_replicas).toBe(3);
    return info.cluster?.leader ?? "n1";
  } finally {
    await nc.close();
  }
}

describe("backbone failures", () => {
  test("a stream deleted and created anew while a node was down still converges", async () => {
    const cluster = await startTestCluster({ size: 3, transport: "nats" });
    clusters.push(cluster);
    await waitForPeers(cluster.nodes, 2);
    const [nodeA, nodeB, nodeC] = cluster.nodes;
    const onA = await openClient(nodeA.wsUrl);
    clients.push(onA);
    sendBurst(onA, "before", 200);
    await waitUntil(() => acked(onA).length === 200, { deadlineMs: 30_000, pollMs: 20 });
    await waitForConvergence(cluster.nodes, 200);

    await nodeC.stop();
    sendBurst(onA, "while-down", 300);
    await waitUntil(() => acked(onA).length === 500, { deadlineMs: 30_000, pollMs: 20 });
    // The stream (and every consumer with it) is wiped, then made again empty: C's missed
    // messages now exist only in A's and B's stores.
    const nc = await connect({ servers: cluster.nats[0].url });
    try {
      const jsm = await jetstreamManager(nc);
      const [stream] = await jsm.streams.names().next();
      expect(stream).toMatch(/^DSATTER_/);
      await jsm.streams.delete(stream);
      await waitUntil(async () => (await jsm.streams.names().next()).includes(stream), {
        deadlineMs: 30_000,
        pollMs: 100,
      });
    } finally {
      await nc.close();
    }
    const restarted = await cluster.addNode({ dbPath: nodeC.dbPath });
    const nodes = [nodeA, nodeB, restarted];
    const onB = await openClient(nodeB.wsUrl);
    clients.push(onB);
    sendBurst(onB, "after-wipe", 100);
    await waitUntil(() => acked(onB).length === 100, { deadlineMs: 30_000, pollMs: 20 });
    await waitForConvergence(nodes, 600, 60_000);
    await expectAllPresent(nodes, [...acked(onA), ...acked(onB)]);
  }, 120_000);

  test(
    "a three-server NATS cluster losing one server to SIGKILL loses no acknowledged message",
    async () => {
      const nats = await startNatsCluster(3);
      const cluster = await startTestCluster({ size: 3, transport: "nats", natsServers: nats });
      clusters.push(cluster);
      await waitForPeers(cluster.nodes, 2);
      const senders = await Promise.all(cluster.nodes.map((node) => openClient(node.wsUrl)));
      clients.push(...senders);
      senders.forEach((sender, i) => sendBurst(sender, `pre${i}`, 100));
      await waitUntil(() => senders.every((s) => acked(s).length === 100), {
        deadlineMs: 30_000,
        pollMs: 20,
      });
      await waitForConvergence(cluster.nodes, 300, 30_000);

      // Mid-chat, the server that leads the stream (replicas 3) dies.
      const leader = await streamLeader(nats.map((server) => server.url));
      const victim = nats[Number(leader.replace(/^n/, "")) - 1];
      senders.forEach((sender, i) => sendBurst(sender, `mid${i}`, 300));
      await waitUntil(() => acked(senders[0]).length >= 150, { deadlineMs: 30_000, pollMs: 5 });
      await victim.kill();
      senders.forEach((sender, i) => sendBurst(sender, `post${i}`, 100));
      await waitUntil(() => senders.every((s) => acked(s).length === 500), {
        deadlineMs: 60_000,
        pollMs: 20,
      });
      await waitForConvergence(cluster.nodes, 1500, 60_000);
      await expectAllPresent(cluster.nodes, senders.flatMap((s) => acked(s)));
    },
    120_000,
  );
});
