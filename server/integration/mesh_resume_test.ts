/**
 * Resume on another node: a client that followed node A, disconnected, and
 * resumes with `since` on node C gets exactly the messages it missed, from
 * every origin, none twice.
 * Run once per transport (mesh, NATS backbone).
 */
import { describe, expect, test } from "bun:test";
import type { ChatMessage, VectorWire } from "../../common/protocol.ts";
import {
  fullHistory,
  TEST_TRANSPORTS,
  vectorOf,
  vectorTotal,
  waitForConvergence,
} from "../testing/peer_test_cluster.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { useTestCluster } from "../testing/cluster_fixture.ts";

const CHAT = 555;

function liveMessages(client: TestClient): ChatMessage[] {
  return client.frames.filter((f) => f.type === "newMessagesForClient").map((f) =>
    (f.payload as ChatMessage[])[0]
  );
}

/** Sends count messages and waits for their acks (on top of the acks this client had). */
async function sendAll(client: TestClient, label: string, count: number): Promise<void> {
  const acks = () => client.frames.filter((f) => f.type === "clientMessageResponse").length;
  const expected = acks() + count;
  for (let i = 0; i < count; i++) {
    client.send({
      type: "newMessageFromClient",
      payload: { chatId: CHAT, sender: label, text: `${label} ${i}`, clientMsgId: `${label}${i}` },
    });
  }
  await waitUntil(() => acks() >= expected, { deadlineMs: 20_000, pollMs: 10 });
}

describe.each(TEST_TRANSPORTS)("resume with since on another node (%s)", (transport) => {
  const suite = useTestCluster({ size: 3, transport });
  const clients = suite.clients;

  test(
    "a client leaving node A and resuming on node C misses nothing and gets nothing twice",
    async () => {
      const [nodeA, nodeB, nodeC] = suite.cluster.nodes;
      const writerA = await openClient(nodeA.wsUrl);
      const writerB = await openClient(nodeB.wsUrl);
      const follower = await openClient(nodeA.wsUrl);
      clients.push(writerA, writerB, follower);
      follower.send({ type: "subscribe", payload: { chatIds: [CHAT] } });
      follower.send({ type: "hello", payload: { name: "follower" } });
      const welcome = await follower.next((f) => f.type === "welcome");
      const position: VectorWire = { ...(welcome.payload as { vector: VectorWire }).vector };

      await sendAll(writerA, "a", 40);
      await sendAll(writerB, "b", 40);
      await waitUntil(() => liveMessages(follower).length === 80, {
        deadlineMs: 20_000,
        pollMs: 10,
      });
      for (const m of liveMessages(follower)) {
        expect(m.seq).toBe((position[String(m.nodeId)] ?? 0) + 1); // contiguous per origin
        position[String(m.nodeId)] = m.seq;
      }
      await follower.close();

      await sendAll(writerA, "a-missed", 30);
      await sendAll(writerB, "b-missed", 30);
      const total = vectorTotal(await vectorOf(nodeA));
      await waitForConvergence(suite.cluster.nodes, total, 30_000);

      const resumed = await openClient(nodeC.wsUrl);
      clients.push(resumed);
      const got: ChatMessage[] = [];
      let since = position;
      for (let page = 0; page < 100; page++) {
        resumed.send({
          type: "clientSyncRequest",
          payload: { chatId: CHAT, since, limit: 25 },
          ref: `p${page}`,
        });
        const reply = await resumed.next((f) =>
          f.type === "clientSyncReply" && f.ref === `p${page}`
        );
        got.push(...(reply.payload as ChatMessage[]));
        since = reply.vector as VectorWire;
        if (!reply.more) break;
      }
      const texts = got.map((m) => m.text).sort();
      const expected = [
        ...Array.from({ length: 30 }, (_, i) => `a-missed ${i}`),
        ...Array.from({ length: 30 }, (_, i) => `b-missed ${i}`),
      ].sort();
      expect(texts).toEqual(expected);
      expect(new Set(got.map((m) => m.messageId)).size).toBe(60);
    },
    90_000,
  );

  test("one (sender, clientMsgId) sent to two nodes at once shows once everywhere", async () => {
    const [nodeA, nodeB, nodeC] = suite.cluster.nodes;
    const chat = CHAT + 1;
    const listeners = await Promise.all(suite.cluster.nodes.map((node) => openClient(node.wsUrl)));
    const onA = await openClient(nodeA.wsUrl);
    const onB = await openClient(nodeB.wsUrl);
    clients.push(...listeners, onA, onB);
    for (const listener of listeners) {
      listener.send({ type: "subscribe", payload: { chatIds: [chat] } });
    }
    const frame = {
      type: "newMessageFromClient",
      payload: { chatId: chat, sender: "dup", text: "only once", clientMsgId: "same-id" },
    };
    onA.send(frame);
    onB.send(frame);
    const ackA = await onA.next((f) => f.type === "clientMessageResponse");
    const ackB = await onB.next((f) => f.type === "clientMessageResponse");
    // Every node holds both copies once all vectors are equal; a marker sent after that
    // reaches every listener after anything the duplicates could have caused.
    await waitForConvergence(suite.cluster.nodes, 0, 30_000);
    onA.send({
      type: "newMessageFromClient",
      payload: { chatId: chat, sender: "dup", text: "marker" },
    });
    await waitUntil(
      () => listeners.every((l) => liveMessages(l).some((m) => m.text === "marker")),
      { deadlineMs: 20_000, pollMs: 20 },
    );
    const winner = [ackA, ackB].map((f) => (f.payload as { messageId: string }).messageId)
      .sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1))[0];
    for (const listener of listeners) {
      expect(liveMessages(listener).filter((m) => m.text === "only once").length).toBe(1);
    }
    for (const node of [nodeA, nodeB, nodeC]) {
      const history = await fullHistory(node, chat);
      const copies = history.filter((m) => m.clientMsgId === "same-id");
      expect(copies.map((m) => m.messageId)).toEqual([winner]);
    }
  }, 60_000);
});
