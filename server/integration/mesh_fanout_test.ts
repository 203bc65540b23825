/**
 * Three real nodes registered with a real discovery: every message pushed to
 * one node reaches every listening client on every node exactly once, the
 * histories are identical in canonical order, and a reply written after seeing
 * a message sorts after it everywhere (causality through the HLC). Run once per
 * transport: the mesh, and the NATS JetStream backbone (a real nats-server).
 */
import { describe, expect, test } from "bun:test";
import type { ChatMessage } from "../../common/protocol.ts";
import { compareCanonical } from "../../common/canonical_order.ts";
import { fullHistory, TEST_TRANSPORTS, waitForPeers } from "../testing/peer_test_cluster.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { useTestCluster } from "../testing/cluster_fixture.ts";

const CHAT = 4242;

describe.each(TEST_TRANSPORTS)("fan-out on the %s", (transport) => {
  const suite = useTestCluster({ size: 3, transport });
  const clients = suite.clients;

  test("useTestCluster() has every node see the other two, as /metrics shows", async () => {
    await waitForPeers(suite.cluster.nodes, 2);
    for (const node of suite.cluster.nodes) {
      const metrics = await (await fetch(`${node.url}/metrics`)).text();
      expect(metrics).toMatch(/^dsatter_peers_connected 2$/m);
    }
  });

  test("3000 messages sent to one node reach every client on every node exactly once", async () => {
    const listeners: TestClient[] = [];
    for (const node of suite.cluster.nodes) {
      for (let i = 0; i < 2; i++) listeners.push(await openClient(node.wsUrl));
    }
    clients.push(...listeners);
    const sender = await openClient(suite.cluster.nodes[0].wsUrl);
    clients.push(sender);
    const total = 3000;
    for (let i = 0; i < total; i++) {
      sender.send({
        type: "newMessageFromClient",
        payload: { chatId: CHAT, sender: "burst", text: `m${i}`, clientMsgId: `c${i}` },
      });
    }
    const countMessages = (client: TestClient) =>
      client.frames.filter((f) => f.type === "newMessagesForClient").length;
    await waitUntil(() => listeners.every((l) => countMessages(l) >= total), {
      deadlineMs: 60_000,
      pollMs: 100,
    });
    // A sentinel from another origin, sent after the burst arrived: once every listener has it,
    // anything the mesh would deliver twice (live plus anti-entropy) had its chance to show.
    const late = await openClient(suite.cluster.nodes[2].wsUrl);
    clients.push(late);
    late.send({
      type: "newMessageFromClient",
      payload: { chatId: CHAT + 100, sender: "late", text: "sentinel" },
    });
    const hasSentinel = (l: TestClient) =>
      l.frames.some((f) =>
        f.type === "newMessagesForClient" && (f.payload as ChatMessage[])[0].text === "sentinel"
      );
    await waitUntil(() => listeners.every(hasSentinel), { deadlineMs: 20_000, pollMs: 50 });
    for (const listener of listeners) {
      const frames = listener.frames.filter((f) =>
        f.type === "newMessagesForClient" && (f.payload as ChatMessage[])[0].chatId === CHAT
      );
      const ids = frames.map((f) => (f.payload as ChatMessage[])[0].messageId);
      expect(frames.every((f) => (f.payload as ChatMessage[]).length === 1)).toBe(true);
      expect(ids.length).toBe(total);
      expect(new Set(ids).size).toBe(total);
    }
    const histories = await Promise.all(suite.cluster.nodes.map((node) => fullHistory(node, CHAT)));
    const reference = histories[0].map((m) => m.messageId);
    expect(reference.length).toBe(total);
    for (const history of histories) {
      expect(history.map((m) => m.messageId)).toEqual(reference);
      for (let i = 1; i < history.length; i++) {
        expect(compareCanonical(history[i - 1], history[i])).toBeLessThan(0);
      }
    }
    // The origin's order is the send order.
    expect(histories[0].map((m) => m.text)).toEqual(
      Array.from({ length: total }, (_, i) => `m${i}`),
    );
  }, 120_000);

  test("a reply written on B after seeing A's message sorts after it on every node", async () => {
    const [nodeA, nodeB] = suite.cluster.nodes;
    const chat = CHAT + 1;
    const onA = await openClient(nodeA.wsUrl);
    const onB = await openClient(nodeB.wsUrl);
    clients.push(onA, onB);
    for (let round = 0; round < 5; round++) {
      onA.send({
        type: "newMessageFromClient",
        payload: { chatId: chat, sender: "ann", text: `question ${round}` },
      });
      await onB.next((f) =>
        f.type === "newMessagesForClient" &&
        (f.payload as ChatMessage[])[0].text === `question ${round}`
      );
      onB.send({
        type: "newMessageFromClient",
        payload: { chatId: chat, sender: "bob", text: `answer ${round}` },
      });
      await onA.next((f) =>
        f.type === "newMessagesForClient" &&
        (f.payload as ChatMessage[])[0].text === `answer ${round}`
      );
    }
    const expected = Array.from({ length: 5 }, (_, r) => [`question ${r}`, `answer ${r}`]).flat();
    await waitUntil(
      async () => {
        const histories = await Promise.all(
          suite.cluster.nodes.map((node) => fullHistory(node, chat)),
        );
        return histories.every((h) => h.length === expected.length);
      },
      { deadlineMs: 20_000, pollMs: 100 },
    );
    for (const node of suite.cluster.nodes) {
      expect((await fullHistory(node, chat)).map((m) => m.text)).toEqual(expected);
    }
  }, 60_000);
});
