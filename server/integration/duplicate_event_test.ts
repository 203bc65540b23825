/**
 * The hidden-duplicate event (PROTOCOL.md section 7): two nodes cut apart (node X
 * dials node Y through a proxy that refuses until the test opens it) both accept
 * the same (sender, clientMsgId); each one's hello client is shown its own copy.
 * Once the link heals, the hello client on each node gets `messageUpdated` for
 * the copy that loses (the higher (nodeId, seq)) with `duplicateOf` naming the
 * copy that stays, and both nodes' histories show the send once.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { MessageUpdatePayload } from "../../common/protocol.ts";
import { fullHistory, health } from "../testing/peer_test_cluster.ts";
import { type PartitionedPair, startPartitionedPair } from "../testing/partitioned_pair.ts";
import { helloClient, messageOf, sendAcked } from "../testing/chat_test_helpers.ts";
import { type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

setDefaultTimeout(60_000);

const CHAT = 6060;

describe("hidden duplicates after a partition", () => {
  const clients: TestClient[] = [];
  let pair: PartitionedPair | undefined;

  beforeAll(async () => {
    pair = await startPartitionedPair();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => null)));
    await pair?.stop();
  });

  test("each node's hello client learns which copy stays", async () => {
    const { y, x, proxy } = pair!;
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
