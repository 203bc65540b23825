/**
 * Renaming chats (an extension of the contract, docs/SERVER.md) across three
 * real nodes over raw WebSocket: the creator renames, every hello client on
 * every node gets `chatRenamed` and `listChats` says the new name; anyone else
 * is refused `forbidden`, a chat nobody created too, an unknown chat is
 * `not_found`; two renames by the creator on two nodes at once converge to the
 * same name everywhere; a restarted node keeps the name; a connection that
 * never said hello sees none of it, and the contract's chat list is unchanged
 * (no `creator` unless asked).
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { useTestCluster } from "../testing/cluster_fixture.ts";
import type { Chat } from "../../common/protocol.ts";
import { helloClient, request, sendAcked } from "../testing/chat_test_helpers.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

setDefaultTimeout(60_000);

async function chatList(client: TestClient, payload: unknown = {}): Promise<Chat[]> {
  return (await request(client, "listChats", payload)).payload as Chat[];
}

describe("chat renames across three nodes", () => {
  const fixture = useTestCluster({ size: 2, restartableNode: "node-c.db" });

  test("the creator renames; every hello client hears it; others are refused", async () => {
    const [a, b, c] = fixture.cluster.nodes;
    const original = await openClient(c.wsUrl);
    fixture.clients.push(original);
    const { client: ann } = await helloClient(a.wsUrl, "ann", null);
    const { client: bob } = await helloClient(b.wsUrl, "bob", null);
    const { client: carol } = await helloClient(c.wsUrl, "carol", null);
    fixture.clients.push(ann, bob, carol);

    const created = await request(ann, "createChat", { name: "Plans" });
    const chatId = (created.payload as Chat).chatId;
    for (const reader of [bob, carol]) {
      await reader.next((f) => f.type === "chatCreated" && (f.payload as Chat).chatId === chatId);
    }
    // Contract list: no creator; the extension flag adds it.
    expect((await chatList(bob)).find((chat) => chat.chatId === chatId)).toEqual({
      chatId,
      name: "Plans",
    });
    expect((await chatList(bob, { creators: true })).find((chat) => chat.chatId === chatId))
      .toEqual({ chatId, name: "Plans", creator: "ann" });

    const refused = await request(bob, "renameChat", { chatId, name: "Bob's now" });
    expect(refused.type).toBe("error");
    expect((refused.payload as { code: string }).code).toBe("forbidden");
    const unknown = await request(ann, "renameChat", { chatId: 424242, name: "x" });
    expect((unknown.payload as { code: string }).code).toBe("not_found");
    await sendAcked(ann, { chatId: 4343, sender: "ann", text: "hi" });
    const implicit = await request(ann, "renameChat", { chatId: 4343, name: "mine?" });
    expect((implicit.payload as { code: string }).code).toBe("forbidden");
    const bad = await request(ann, "renameChat", { chatId, name: "   " });
    expect((bad.payload as { code: string }).code).toBe("bad_frame");

    const renamed = await request(ann, "renameChat", { chatId, name: "Q3 plans" });
    expect(renamed.type).toBe("chatRenamed");
    expect(renamed.payload).toEqual({ chatId, name: "Q3 plans" });
    for (const reader of [bob, carol]) {
      const event = await reader.next((f) => f.type === "chatRenamed");
      expect(event.payload).toEqual({ chatId, name: "Q3 plans" });
    }
    expect((await chatList(carol)).find((chat) => chat.chatId === chatId)?.name).toBe("Q3 plans");
    expect(original.frames.map((f) => f.type).filter((t) => t !== "newMessagesForClient"))
      .toEqual([]);
  });

  test("two renames on two nodes at once converge; a restarted node keeps the name", async () => {
    const [a, b, c] = fixture.cluster.nodes;
    const { client: annA } = await helloClient(a.wsUrl, "ann", null);
    const { client: annB } = await helloClient(b.wsUrl, "ann", null);
    fixture.clients.push(annA, annB);
    const chatId = ((await request(annA, "createChat", { name: "Race" })).payload as Chat).chatId;
    // B must know the chat (and its creator) before ann can rename it there.
    await waitUntil(
      async () => (await chatList(annB)).some((chat) => chat.chatId === chatId),
      { what: "the chat known on node B", deadlineMs: 20_000 },
    );
    annA.send({ type: "renameChat", payload: { chatId, name: "from A" }, ref: "ra" });
    annB.send({ type: "renameChat", payload: { chatId, name: "from B" }, ref: "rb" });
    await annA.next((f) => f.ref === "ra");
    await annB.next((f) => f.ref === "rb");
    const names = async () =>
      await Promise.all(fixture.cluster.nodes.map(async (node) => {
        const { client } = await helloClient(node.wsUrl, "reader", []);
        try {
          return (await chatList(client)).find((chat) => chat.chatId === chatId)?.name;
        } finally {
          await client.close();
        }
      }));
    await waitUntil(async () => {
      const seen = await names();
      return seen[0] !== undefined && seen.every((name) => name === seen[0]);
    }, { deadlineMs: 30_000 });
    const agreed = (await names())[0]!;
    expect(["from A", "from B"]).toContain(agreed);

    await c.stop();
    const restarted = await fixture.cluster.addNode({ dbPath: c.dbPath });
    fixture.cluster.nodes[2] = restarted;
    const { client: reader } = await helloClient(restarted.wsUrl, "reader", []);
    fixture.clients.push(reader);
    expect((await chatList(reader)).find((chat) => chat.chatId === chatId)?.name).toBe(agreed);
  });
});
