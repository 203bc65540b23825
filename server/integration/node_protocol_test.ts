/**
 * The client WebSocket protocol against a real node process: every frame type
 * and its reply, hello/presence events, subscriptions, and that a silent
 * connection only ever receives newMessagesForClient, one message per frame.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { useTestNode } from "../testing/node_fixture.ts";
import { isMessageFrame, ofType } from "../testing/ws_test_client.ts";

// Real node processes on a shared, loaded machine: generous deadlines (hooks too).
setDefaultTimeout(60_000);

const fixture = useTestNode();
const client = fixture.client;

describe("client protocol on one node", () => {
  test("newMessageFromClient: ack with ref and messageId, live frame to every connection", async () => {
    const [sender, other] = [await client(), await client()];
    sender.send({
      type: "newMessageFromClient",
      payload: { text: "hello world", sender: "ann", chatId: 11, clientMsgId: "p-1" },
      ref: "r-1",
    });
    const ack = await sender.next(ofType("clientMessageResponse"));
    expect(ack.ref).toBe("r-1");
    expect(ack.source).toBe(fixture.node.nodeId);
    const { clientMsgId, messageId } = ack.payload as { clientMsgId: string; messageId: string };
    expect(clientMsgId).toBe("p-1");
    expect(messageId).toMatch(/^[0-9]+$/);
    for (const c of [sender, other]) {
      const live = await c.next(isMessageFrame("hello world"));
      const payload = live.payload as Array<Record<string, unknown>>;
      expect(payload.length).toBe(1);
      expect(payload[0]).toMatchObject({
        messageId,
        nodeId: fixture.node.nodeId,
        chatId: 11,
        text: "hello world",
        sender: "ann",
        clientMsgId: "p-1",
      });
      expect(payload[0].dateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(BigInt(messageId)).toBe(
        BigInt(payload[0].nodeId as number) * 10n ** 12n + BigInt(payload[0].seq as number),
      );
    }
  });

  test("a resent (sender, clientMsgId) is acked with the same messageId and not shown twice", async () => {
    const [sender, watcher] = [await client(), await client()];
    const frame = {
      type: "newMessageFromClient",
      payload: { text: "once only", sender: "ann", chatId: 11, clientMsgId: "dup-1" },
    };
    sender.send(frame);
    const first = await sender.next(ofType("clientMessageResponse"));
    sender.send(frame);
    const second = await sender.next(ofType("clientMessageResponse"));
    expect(second.payload).toEqual(first.payload);
    // A marker sent after the resend: when it arrives, the resend would have too.
    sender.send({
      type: "newMessageFromClient",
      payload: { text: "marker dup", sender: "ann", chatId: 11 },
    });
    await watcher.next(isMessageFrame("marker dup"));
    expect(watcher.frames.filter(isMessageFrame("once only")).length).toBe(1);
  });

  test("hello: welcome with nodeId and vector, then presence events and presenceList", async () => {
    const [ann, bob] = [await client(), await client()];
    ann.send({ type: "hello", payload: { name: "ann-p" }, ref: "w" });
    const welcome = await ann.next(ofType("welcome", "w"));
    const payload = welcome.payload as { nodeId: number; vector: Record<string, number> };
    expect(payload.nodeId).toBe(fixture.node.nodeId!);
    expect(typeof payload.vector).toBe("object");
    bob.send({ type: "hello", payload: { name: "bob-p" } });
    await bob.next(ofType("welcome"));
    const online = await ann.next((f) =>
      f.type === "presence" && (f.payload as { name: string }).name === "bob-p"
    );
    expect(online.payload).toEqual({ name: "bob-p", nodeId: fixture.node.nodeId, online: true });
    ann.send({ type: "presence", payload: {}, ref: "p" });
    const list = await ann.next(ofType("presenceList", "p"));
    const names = (list.payload as Array<{ name: string; nodeId: number }>).map((e) => e.name);
    expect(names).toContain("ann-p");
    expect(names).toContain("bob-p");
    await bob.close();
    const offline = await ann.next((f) =>
      f.type === "presence" && (f.payload as { name: string }).name === "bob-p" &&
      (f.payload as { online: boolean }).online === false
    );
    expect(offline.payload).toEqual({ name: "bob-p", nodeId: fixture.node.nodeId, online: false });
  });

  test("hello is answered by welcome before any presence event, the first time and again", async () => {
    const c = await client();
    c.send({ type: "hello", payload: { name: "first-frame" }, ref: "h1" });
    const first = await c.next(() => true);
    expect(first.type).toBe("welcome");
    expect(first.ref).toBe("h1");
    const own = await c.next(ofType("presence"));
    expect(own.payload).toEqual({ name: "first-frame", nodeId: fixture.node.nodeId, online: true });
    c.send({ type: "hello", payload: { name: "second-name" }, ref: "h2" });
    const next = await c.next((f) => f.type === "welcome" || f.type === "presence");
    expect(next.type).toBe("welcome");
    expect(next.ref).toBe("h2");
  });

  test("clientSyncRequest [] gives the latest 100 even when every message is 4,000 characters", async () => {
    const writer = await client();
    const text = "\u00e9\u4e2d".repeat(2000); // 4,000 characters, 10,000 bytes of UTF-8
    for (let i = 0; i < 130; i++) {
      writer.send({
        type: "newMessageFromClient",
        payload: { text, sender: "long", chatId: 778, clientMsgId: `long-${i}` },
      });
    }
    for (let i = 0; i < 130; i++) await writer.next(ofType("clientMessageResponse"));
    const silent = await client();
    silent.send({ type: "clientSyncRequest", payload: [], ref: "latest" });
    const latest = await silent.next(ofType("clientSyncReply", "latest"));
    expect((latest.payload as unknown[]).length).toBe(100);
    silent.send({ type: "clientSyncRequest", payload: { chatId: 778 }, ref: "chat" });
    const chat = await silent.next(ofType("clientSyncReply", "chat"));
    const messages = chat.payload as Array<{ text: string; sender: string }>;
    expect(messages.length).toBe(100);
    expect(messages.every((m) => m.text === text && m.sender === "long")).toBe(true);
    expect(chat.more).toBe(true);
  });

  test("createChat: chatCreated to the creator (with ref) and to hello clients; listChats", async () => {
    const [creator, helloed, silent] = [await client(), await client(), await client()];
    helloed.send({ type: "hello", payload: { name: "watcher" } });
    await helloed.next(ofType("welcome"));
    creator.send({ type: "createChat", payload: { name: "Team room" }, ref: "c" });
    const created = await creator.next(ofType("chatCreated", "c"));
    const chat = created.payload as { chatId: number; name: string };
    expect(chat.name).toBe("Team room");
    expect(Number.isSafeInteger(chat.chatId)).toBe(true);
    const seen = await helloed.next(ofType("chatCreated"));
    expect(seen.payload).toEqual(chat);
    creator.send({ type: "listChats", payload: {}, ref: "l" });
    const list = await creator.next(ofType("chatList", "l"));
    expect(list.payload as unknown[]).toContainEqual({ chatId: chat.chatId, name: "Team room" });
    creator.send({
      type: "newMessageFromClient",
      payload: { text: "marker chat", sender: "x", chatId: 11 },
    });
    await silent.next(isMessageFrame("marker chat"));
    expect(silent.frames.every((f) => f.type === "newMessagesForClient")).toBe(true);
  });

  test("subscribe: only the named chats arrive; null brings every chat back", async () => {
    const [sub, sender] = [await client(), await client()];
    sub.send({ type: "subscribe", payload: { chatIds: [501] } });
    // The subscribe is applied before any later frame of the same connection is read.
    sub.send({ type: "listChats", payload: {}, ref: "sync" });
    await sub.next(ofType("chatList", "sync"));
    for (const [chatId, text] of [[500, "in 500"], [501, "in 501"]] as const) {
      sender.send({ type: "newMessageFromClient", payload: { text, sender: "s", chatId } });
    }
    await sub.next(isMessageFrame("in 501"));
    sub.send({ type: "subscribe", payload: { chatIds: null } });
    sub.send({ type: "listChats", payload: {}, ref: "sync2" });
    await sub.next(ofType("chatList", "sync2"));
    sender.send({
      type: "newMessageFromClient",
      payload: { text: "back in 500", sender: "s", chatId: 500 },
    });
    await sub.next(isMessageFrame("back in 500"));
    expect(sub.frames.filter(isMessageFrame("in 500")).length).toBe(0);
  });

  test("clientSyncRequest: [] latest in canonical order; chat filter; before/more paging", async () => {
    const writer = await client();
    for (let i = 0; i < 5; i++) {
      writer.send({
        type: "newMessageFromClient",
        payload: { text: `page ${i}`, sender: "w", chatId: 777, clientMsgId: `pg-${i}` },
      });
      await writer.next(ofType("clientMessageResponse"));
    }
    writer.send({ type: "clientSyncRequest", payload: [] });
    const all = await writer.next(ofType("clientSyncReply"));
    const allMessages = all.payload as Array<{ dateTime: string; lc: number; nodeId: number }>;
    const sorted = [...allMessages].sort((a, b) =>
      a.dateTime.localeCompare(b.dateTime) || a.lc - b.lc
    );
    expect(allMessages).toEqual(sorted);
    expect(allMessages.length).toBeGreaterThanOrEqual(5);

    writer.send({ type: "clientSyncRequest", payload: { chatId: 777, limit: 2 }, ref: "h1" });
    const newest = await writer.next(ofType("clientSyncReply", "h1"));
    const newestTexts = newest.payload as Array<{ text: string; messageId: string }>;
    expect(newestTexts.map((m) => m.text)).toEqual(["page 3", "page 4"]);
    expect(newest.more).toBe(true);
    writer.send({
      type: "clientSyncRequest",
      payload: { chatId: 777, before: newestTexts[0].messageId, limit: 10 },
      ref: "h2",
    });
    const older = await writer.next(ofType("clientSyncReply", "h2"));
    expect((older.payload as Array<{ text: string }>).map((m) => m.text)).toEqual([
      "page 0",
      "page 1",
      "page 2",
    ]);
    expect(older.more).toBeUndefined();
  });

  test("clientSyncRequest since: resumes exactly after a vector, pages with vector", async () => {
    const c = await client();
    c.send({ type: "hello", payload: { name: "resumer" } });
    const welcome = await c.next(ofType("welcome"));
    const vector = (welcome.payload as { vector: Record<string, number> }).vector;
    for (let i = 0; i < 3; i++) {
      c.send({
        type: "newMessageFromClient",
        payload: { text: `since ${i}`, sender: "r", chatId: 11, clientMsgId: `s-${i}` },
      });
      await c.next(ofType("clientMessageResponse"));
    }
    c.send({ type: "clientSyncRequest", payload: { since: vector, limit: 2 }, ref: "s1" });
    const page1 = await c.next(ofType("clientSyncReply", "s1"));
    expect((page1.payload as Array<{ text: string }>).map((m) => m.text)).toEqual([
      "since 0",
      "since 1",
    ]);
    expect(page1.more).toBe(true);
    c.send({ type: "clientSyncRequest", payload: { since: page1.vector }, ref: "s2" });
    const page2 = await c.next(ofType("clientSyncReply", "s2"));
    expect((page2.payload as Array<{ text: string }>).map((m) => m.text)).toEqual(["since 2"]);
    expect(page2.more).toBeUndefined();
    c.send({ type: "clientSyncRequest", payload: { since: page2.vector }, ref: "s3" });
    const page3 = await c.next(ofType("clientSyncReply", "s3"));
    expect(page3.payload).toEqual([]);
  });
});
