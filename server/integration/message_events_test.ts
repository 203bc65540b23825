/**
 * Section 7 across three real nodes (discovery + 3 Bun processes) over raw
 * WebSocket: an edit, a delete, typing and search from a client on one node
 * are seen on the others; only the sender may change a message; concurrent
 * edits on two nodes converge, and a delete wins over an edit; search is
 * accent-, case- and prefix-aware over WebSocket and REST; and a connection
 * that never said hello receives nothing but newMessagesForClient.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { encodeMessageId } from "../../common/message_id.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import {
  fullHistory,
  startTestCluster,
  type TestCluster,
  waitForPeers,
} from "../testing/peer_test_cluster.ts";
import {
  helloClient,
  messageOf,
  nextUpdate,
  request,
  sendAcked,
} from "../testing/chat_test_helpers.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

setDefaultTimeout(60_000);

const CHAT = 7070;
const CONCURRENT_CHAT = 7071;

describe("message events across three nodes", () => {
  let cluster: TestCluster;
  const clients: TestClient[] = [];
  const track = <T extends { client: TestClient }>(opened: T): T => {
    clients.push(opened.client);
    return opened;
  };

  beforeAll(async () => {
    cluster = await startTestCluster({ size: 3 });
    await waitForPeers(cluster.nodes, 2);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => null)));
    await cluster?.stop();
  });

  test("edit, delete, typing and search from node A are seen on B and C; originals see none", async () => {
    const [a, b, c] = cluster.nodes;
    const originals = await Promise.all(cluster.nodes.map((n) => openClient(n.wsUrl)));
    clients.push(...originals);
    const { client: ann, welcome } = track(await helloClient(a.wsUrl, "ann", [CHAT]));
    const { client: bob } = track(await helloClient(b.wsUrl, "bob", [CHAT]));
    const { client: carol } = track(await helloClient(c.wsUrl, "carol", [CHAT]));
    expect(welcome.payload).toHaveProperty("updates");

    const id = await sendAcked(ann, { chatId: CHAT, sender: "ann", text: "Café au lait à midi" });
    for (const reader of [bob, carol]) {
      await reader.next((f) => f.type === "newMessagesForClient" && messageOf(f).messageId === id);
    }

    const edited = await request(ann, "editMessage", { messageId: id, text: "Café crème à midi" });
    expect(edited.type).toBe("messageUpdated");
    expect(messageOf(edited)).toMatchObject({ messageId: id, text: "Café crème à midi" });
    expect(typeof messageOf(edited).editedAt).toBe("string");
    for (const reader of [bob, carol]) {
      const seen = await nextUpdate(reader, id);
      expect(messageOf(seen)).toMatchObject({ text: "Café crème à midi", sender: "ann" });
    }

    expect((await request(bob, "editMessage", { messageId: id, text: "mine now" })).payload)
      .toMatchObject({ code: "forbidden" });
    expect((await request(bob, "deleteMessage", { messageId: id })).payload)
      .toMatchObject({ code: "forbidden" });
    const unknown = encodeMessageId(a.nodeId!, 999_999);
    expect((await request(ann, "deleteMessage", { messageId: unknown })).payload)
      .toMatchObject({ code: "not_found" });
    expect((await request(originals[0], "editMessage", { messageId: id, text: "x" })).payload)
      .toMatchObject({ code: "forbidden" });

    // A burst of typing frames (one per keystroke) is relayed once: the rest are dropped.
    for (let i = 0; i < 5; i++) ann.send({ type: "typing", payload: { chatId: CHAT } });
    const marker = await sendAcked(ann, { chatId: CHAT, sender: "ann", text: "after typing" });
    for (const reader of [bob, carol]) {
      const typing = await reader.next((f) => f.type === "typing");
      expect(typing.payload).toEqual({ chatId: CHAT, name: "ann", nodeId: a.nodeId });
      await reader.next((f) =>
        f.type === "newMessagesForClient" && messageOf(f).messageId === marker
      );
      expect(reader.frames.filter((f) => f.type === "typing")).toHaveLength(1);
    }
    expect(ann.frames.some((f) => f.type === "typing")).toBe(false);

    for (const q of ["CREME", "cafe midi", "crè", "Café"]) {
      const found = await request(carol, "search", { q, chatId: CHAT });
      expect(found.type).toBe("searchResults");
      expect((found.payload as ChatMessage[]).map((m) => m.messageId)).toEqual([id]);
    }
    expect((await request(carol, "search", { q: "lait" })).payload).toEqual([]);
    expect((await request(carol, "search", { q: "x".repeat(201) })).payload)
      .toMatchObject({ code: "bad_frame" });
    expect((await fetch(`${b.url}/api/search?q=cafe&limit=101`)).status).toBe(400);
    const rest = await fetch(`${b.url}/api/search?q=creme&chatId=${CHAT}`);
    expect(rest.status).toBe(200);
    expect((await rest.json() as ChatMessage[]).map((m) => m.text)).toEqual(["Café crème à midi"]);

    const deleted = await request(ann, "deleteMessage", { messageId: id });
    expect(messageOf(deleted)).toMatchObject({ messageId: id, text: "", deleted: true });
    for (const reader of [bob, carol]) {
      await nextUpdate(reader, id, (m) => m.deleted === true && m.text === "");
    }
    for (const node of cluster.nodes) {
      const found = await fetch(`${node.url}/api/search?q=creme`);
      expect(await found.json()).toEqual([]);
      const history = await fullHistory(node, CHAT);
      expect(history.find((m) => m.messageId === id)).toMatchObject({ text: "", deleted: true });
    }
    // Deliveries to the originals have had time to arrive: every one is a plain message.
    await waitUntil(
      () => originals.every((o) => o.frames.some((f) => f.type === "newMessagesForClient")),
    );
    for (const original of originals.slice(1)) {
      expect(new Set(original.frames.map((f) => f.type))).toEqual(
        new Set(["newMessagesForClient"]),
      );
    }
  });

  test("concurrent edits on two nodes converge everywhere; a delete wins over an edit", async () => {
    const [a, b] = cluster.nodes;
    const { client: annA } = track(await helloClient(a.wsUrl, "ann", [CONCURRENT_CHAT]));
    const { client: annB } = track(await helloClient(b.wsUrl, "ann", [CONCURRENT_CHAT]));
    const first = await sendAcked(annA, { chatId: CONCURRENT_CHAT, sender: "ann", text: "v0" });
    const second = await sendAcked(annA, { chatId: CONCURRENT_CHAT, sender: "ann", text: "w0" });
    await annB.next((f) => f.type === "newMessagesForClient" && messageOf(f).messageId === second);

    const [onA, onB] = await Promise.all([
      request(annA, "editMessage", { messageId: first, text: "edited on A" }),
      request(annB, "editMessage", { messageId: first, text: "edited on B" }),
    ]);
    const replies = [messageOf(onA), messageOf(onB)];
    await Promise.all([
      request(annA, "editMessage", { messageId: second, text: "edit loses" }),
      request(annB, "deleteMessage", { messageId: second }),
    ]);

    let histories: ChatMessage[][] = [];
    const agreed = () => {
      const firsts = histories.map((h) => h.find((m) => m.messageId === first));
      return firsts.every((m) =>
        m?.text === firsts[0]?.text && m?.editedAt === firsts[0]?.editedAt
      ) &&
        ["edited on A", "edited on B"].includes(firsts[0]?.text ?? "") &&
        histories.every((h) => h.find((m) => m.messageId === second)?.deleted === true);
    };
    try {
      await waitUntil(
        async () => {
          histories = await Promise.all(cluster.nodes.map((n) => fullHistory(n, CONCURRENT_CHAT)));
          return agreed();
        },
        { deadlineMs: 30_000, pollMs: 200 },
      );
    } catch (error) {
      throw new Error(`Cannot see convergence: ${JSON.stringify(histories)}`, { cause: error });
    }
    // The edit with the later hybrid-clock time wins (equal times: lc, then node id decide).
    const shown = histories[0].find((m) => m.messageId === first)!;
    const [earlier, later] = [...replies].sort((x, y) => x.editedAt! < y.editedAt! ? -1 : 1);
    if (earlier.editedAt !== later.editedAt) expect(shown.text).toBe(later.text);
  });
});
