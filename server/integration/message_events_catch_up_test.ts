/**
 * A node that was down catches up on edits and deletes like on messages: node C
 * stops, node A's client sends, edits and deletes (old messages and a new one),
 * C restarts on its database and converges; a client that had followed C and
 * resumes with `since` and `updatesSince` learns of the changes of the messages
 * it already had (`updated`). Then no node's database files hold a deleted
 * text (`strings`, after a positive control on each of them).
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { useTestCluster } from "../testing/cluster_fixture.ts";
import type { ChatMessage, VectorWire } from "../../common/protocol.ts";
import { fullHistory } from "../testing/peer_test_cluster.ts";
import type { SpawnedNode } from "../testing/spawn_node.ts";
import { helloClient, request, sendAcked, stringsFind } from "../testing/chat_test_helpers.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

setDefaultTimeout(90_000);

const CHAT = 8080_1;
const SECRET_WORD = "quuxsecretplan";
const SECRET_LONG = "longsecretpassage ".repeat(200).trim();

describe("a node that was down catches up on edits and deletes", () => {
  const fixture = useTestCluster({ size: 2, restartableNode: "node-c.db" });

  test("edits and deletes made while C was down reach C; a resuming client learns them", async () => {
    const [a, b] = fixture.cluster.nodes;
    let c: SpawnedNode = fixture.cluster.nodes[2];
    const { client: ann } = await helloClient(a.wsUrl, "ann", [CHAT]);
    fixture.clients.push(ann);
    const kept = await sendAcked(ann, { chatId: CHAT, sender: "ann", text: "keep me" });
    const toEdit = await sendAcked(ann, { chatId: CHAT, sender: "ann", text: "old wording" });
    const toDelete = await sendAcked(ann, {
      chatId: CHAT,
      sender: "ann",
      text: `the ${SECRET_WORD}`,
    });
    const longOne = await sendAcked(ann, { chatId: CHAT, sender: "ann", text: SECRET_LONG });
    const { client: follower } = await helloClient(c.wsUrl, "dan", [CHAT]);
    fixture.clients.push(follower);
    // C holds all four (they may have reached it before the follower connected).
    await waitUntil(async () => (await fullHistory(c, CHAT)).length === 4, {
      deadlineMs: 30_000,
      pollMs: 100,
    });
    // Where the follower was: its last reply's message and update marks.
    const position = await request(follower, "clientSyncRequest", {
      chatId: CHAT,
      since: {},
      updatesSince: {},
    });
    const since = position.vector as VectorWire;
    const updatesSince = position.updates as VectorWire;
    for (const node of fixture.cluster.nodes) {
      expect(stringsFind(node.dbPath, SECRET_WORD)).toBe(true); // positive control
    }

    await c.stop();
    await follower.closed;
    await request(ann, "editMessage", { messageId: toEdit, text: "new wording" });
    await request(ann, "deleteMessage", { messageId: toDelete });
    await request(ann, "deleteMessage", { messageId: longOne });
    const born = await sendAcked(ann, {
      chatId: CHAT,
      sender: "ann",
      text: "born while C was down",
    });
    await request(ann, "editMessage", { messageId: born, text: "born and edited" });

    c = await fixture.cluster.addNode({ dbPath: c.dbPath });
    fixture.cluster.nodes[2] = c;
    const expected = await fullHistory(a, CHAT);
    expect(expected.map((m) => m.text)).toEqual([
      "keep me",
      "new wording",
      "",
      "",
      "born and edited",
    ]);
    await waitUntil(
      async () => {
        const history = await fullHistory(c, CHAT).catch(() => [] as ChatMessage[]);
        return JSON.stringify(history) === JSON.stringify(expected);
      },
      { deadlineMs: 30_000, pollMs: 200 },
    );
    expect(JSON.stringify(await fullHistory(b, CHAT))).toBe(JSON.stringify(expected));

    const { client: resumed } = await helloClient(c.wsUrl, "dan", [CHAT]);
    fixture.clients.push(resumed);
    const reply = await request(resumed, "clientSyncRequest", {
      chatId: CHAT,
      since,
      updatesSince,
    });
    expect((reply.payload as ChatMessage[]).map((m) => m.text)).toEqual(["born and edited"]);
    const updated = reply.updated as ChatMessage[];
    expect(updated.map((m) => m.messageId).sort()).toEqual([toEdit, toDelete, longOne].sort());
    expect(updated.find((m) => m.messageId === toEdit)).toMatchObject({ text: "new wording" });
    expect(updated.find((m) => m.messageId === toDelete)).toMatchObject({
      deleted: true,
      text: "",
    });
    expect(updated.some((m) => m.messageId === kept)).toBe(false);
    const again = await request(resumed, "clientSyncRequest", {
      chatId: CHAT,
      since: reply.vector,
      updatesSince: reply.updates,
    });
    expect(again.payload).toEqual([]);
    expect(again.updated).toEqual([]);

    for (const node of fixture.cluster.nodes) {
      expect({ node: node.dbPath, found: stringsFind(node.dbPath, SECRET_WORD) })
        .toEqual({ node: node.dbPath, found: false });
      expect(stringsFind(node.dbPath, "longsecretpassage")).toBe(false);
    }
  });
});
