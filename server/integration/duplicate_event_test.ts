/**
 * The hidden-duplicate event (PROTOCOL.md section 7): two nodes cut apart (node X
 * dials node Y through a proxy that refuses until the test opens it) both accept
 * the same (sender, clientMsgId); each one's hello client is shown its own copy.
 * Once the link heals, the hello client on each node gets `messageUpdated` for
 * the copy that loses (the higher (nodeId, seq)) with `duplicateOf` naming the
 * copy that stays, and both nodes' histories show the send once. A hello
 * client that was shown the losing copy and was away when the nodes decided
 * hears it after its `since` reply on either node (an original-style one never
 * hears section 7 events).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { MessageUpdatePayload, VectorWire } from "../../common/protocol.ts";
import { decodeMessageId } from "../../common/message_id.ts";
import { fullHistory, health } from "../testing/peer_test_cluster.ts";
import { type PartitionedPair, startPartitionedPair } from "../testing/partitioned_pair.ts";
import { helloClient, messageOf, request, sendAcked } from "../testing/chat_test_helpers.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

setDefaultTimeout(60_000);

const CHAT = 6060;

/** A partitioned pair for one describe block, and its clients: all stopped after it. */
function usePartitionedPair(): { clients: TestClient[]; pair: () => PartitionedPair } {
  const clients: TestClient[] = [];
  let pair: PartitionedPair | undefined;
  beforeAll(async () => {
    pair = await startPartitionedPair();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => null)));
    await pair?.stop();
  });
  return { clients, pair: () => pair! };
}

describe("hidden duplicates after a partition", () => {
  const { clients, pair } = usePartitionedPair();

  test("each node's hello client learns which copy stays", async () => {
    const { y, x, proxy } = pair();
    const nodes = [y, x];
    const onX = await helloClient(x.wsUrl, "ann", [CHAT]);
    const onY = await helloClient(y.wsUrl, "ann", [CHAT]);
    clients.push(onX.client, onY.client);
    const send = { chatId: CHAT, sender: "ann", text: "said once", clientMsgId: "dup-1" };
    const [idX, idY] = await Promise.all([
      sendAcked(onX.client, send),
      sendAcked(onY.client, send),
    ]);
    expect(idX).not.toBe(idY);
    for (const [{ client }, id] of [[onX, idX], [onY, idY]] as const) {
      await client.next((f) => f.type === "newMessagesForClient" && messageOf(f).messageId === id);
    }

    proxy.open();
    await waitUntil(async () => (await health(x)).peers === 1, { deadlineMs: 30_000, pollMs: 100 });
    const [stays, goes] = BigInt(idX) < BigInt(idY) ? [idX, idY] : [idY, idX];
    for (const { client } of [onX, onY]) {
      const event = await client.next(
        (f) =>
          f.type === "messageUpdated" &&
          (f.payload as MessageUpdatePayload).duplicateOf !== undefined,
        30_000,
      );
      expect(messageOf(event)).toMatchObject({
        messageId: goes,
        duplicateOf: stays,
        text: "said once",
        sender: "ann",
      });
    }
    for (const node of nodes) {
      await waitUntil(async () => (await fullHistory(node, CHAT)).length === 1, {
        deadlineMs: 20_000,
        pollMs: 100,
      });
      expect((await fullHistory(node, CHAT)).map((m) => m.messageId)).toEqual([stays]);
    }
  });
});

describe("hidden duplicates decided while a client was away", () => {
  const { clients, pair } = usePartitionedPair();

  test("a hello client shown the losing copy hears duplicateOf after its since reply", async () => {
    const { y, x, proxy } = pair();
    const chatId = CHAT + 1;
    const send = { chatId, sender: "bo", text: "once please", clientMsgId: "dup-away" };
    const writers = await Promise.all([openClient(x.wsUrl), openClient(y.wsUrl)]);
    clients.push(...writers);
    const [idX, idY] = await Promise.all(writers.map((writer) => sendAcked(writer, send)));
    const [stays, goes] = BigInt(idX) < BigInt(idY) ? [idX, idY] : [idY, idX];
    const losingNode = goes === idX ? x : y;

    // A hello reader on the losing copy's node is shown that copy, then leaves.
    const away = await helloClient(losingNode.wsUrl, "cy", [chatId]);
    const reply = await request(away.client, "clientSyncRequest", { since: {}, limit: 100 });
    expect((reply.payload as { messageId: string }[]).map((m) => m.messageId)).toEqual([goes]);
    const had = reply.vector as VectorWire;
    await away.client.close();

    proxy.open();
    for (const node of [x, y]) {
      await waitUntil(
        async () => (await fullHistory(node, chatId)).map((m) => m.messageId).join() === stays,
        { deadlineMs: 30_000, pollMs: 100, what: "the decision on each node" },
      );
    }
    const origin = String(decodeMessageId(goes)!.nodeId);
    expect(had[origin]).toBe(decodeMessageId(goes)!.seq); // its vector covers the lost copy

    for (const node of [x, y]) {
      const back = await helloClient(node.wsUrl, "cy", [chatId]);
      clients.push(back.client);
      const resumed = await request(back.client, "clientSyncRequest", { since: had, limit: 100 });
      expect((resumed.payload as { messageId: string }[]).map((m) => m.messageId)).toEqual([
        stays,
      ]);
      const event = await back.client.next(
        (f) => f.type === "messageUpdated" && messageOf(f).messageId === goes,
        20_000,
      );
      expect(messageOf(event)).toMatchObject({ duplicateOf: stays, text: "once please" });
      expect(back.client.frames.indexOf(event)).toBeGreaterThan(
        back.client.frames.indexOf(resumed),
      );
    }

    // An original-style connection gets the reply and no section 7 event.
    const original = await openClient(x.wsUrl);
    clients.push(original);
    await request(original, "clientSyncRequest", { since: had, limit: 100 });
    await request(original, "listChats", {});
    expect(original.frames.some((f) => f.type === "messageUpdated")).toBe(false);
  });
});
