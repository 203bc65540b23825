import { describe, expect, test } from "bun:test";
import { encodeMessageId } from "../../common/message_id.ts";
import { testMessage } from "../../common/testing/message_fixture.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import { ChatNode } from "./chat_node.ts";
import { ALL_CHATS_TOPIC, chatTopic } from "./delivery_topics.ts";
import { ANONYMOUS, PRIVATE_CHAT_ID_MIN } from "./chat_access.ts";
import { MemoryMessageStore } from "../store/memory_message_store.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { MetricsRegistry, registerNodeMetrics } from "../observability/metrics_registry.ts";

function setup(nodeId = 5, store = new MemoryMessageStore()) {
  const published: Array<{ topic: string; frame: { type: string; payload: unknown } }> = [];
  const node = new ChatNode({
    store,
    nodeId,
    metrics: registerNodeMetrics(new MetricsRegistry()),
    publisher: { publish: (topic, data) => published.push({ topic, frame: JSON.parse(data) }) },
  });
  const live = () =>
    published.filter((p) => p.topic === ALL_CHATS_TOPIC).map((p) =>
      (p.frame.payload as ChatMessage[])[0]
    ).map((m) => `${m.nodeId}/${m.seq}`);
  return { node, store, published, live };
}

/** The texts of the node's latest history. */
function historyTexts(node: ChatNode): string[] {
  const history = node.history({ limit: 10 });
  if (!history.ok) throw new Error(history.error.message);
  return history.messages.map((m) => m.text);
}

const remote = (nodeId: number, seq: number, fields: Partial<ChatMessage> = {}): ChatMessage =>
  testMessage(nodeId, seq, { text: `r ${nodeId}/${seq}`, sender: "bob", ...fields });

const P = PRIVATE_CHAT_ID_MIN + 7;
/** P's record as a peer sends it. */
const record = (members: string[]) => ({
  chatId: P,
  name: "plans",
  named: true,
  createdAt: "2026-01-01T00:00:00.000Z",
  createdLc: 0,
  createdBy: 9,
  members,
});
const user = (name: string, chats: number[] = []) => ({
  kind: "user" as const,
  name,
  chats: new Set(chats),
});

describe("ChatNode private chats", () => {
  test("a message that arrives before its chat's record leaks nowhere", async () => {
    const { node, published } = setup();
    await node.acceptRemote([remote(9, 1, { chatId: P, text: "early secret" })]);
    const topics = published.filter((p) => p.frame.type === "newMessagesForClient")
      .map((p) => p.topic);
    expect(topics).toEqual([chatTopic(P)]); // never ALL_CHATS_TOPIC
    expect(published.some((p) => p.topic === "hello")).toBe(false); // no chatCreated to all
    const texts = (reader: Parameters<ChatNode["history"]>[1]) => {
      const result = node.history({ limit: 10 }, reader);
      return result.ok ? result.messages.map((m) => m.text) : [result.error.code];
    };
    expect(texts(ANONYMOUS)).toEqual([]);
    expect(texts(user("ann"))).toEqual([]); // members unknown until the record arrives
    expect(texts(user("carol", [P]))).toEqual(["early secret"]);
    expect(node.history({ chatId: P, limit: 10 }, user("ann"))).toMatchObject({ ok: false });
    expect(node.since({ since: new Map(), limit: 10 }, ANONYMOUS).messages).toEqual([]);
    expect(node.since({ chatId: P, since: new Map(), limit: 10 }, ANONYMOUS).messages).toEqual([]);
    await node.acceptRemoteChats([record(["ann", "bob"])]);
    expect(texts(user("ann"))).toEqual(["early secret"]);
    expect(texts(user("eve"))).toEqual([]);
    expect(node.access.chatsFor(user("eve")).some((c) => c.chatId === P)).toBe(false);
    expect(node.access.chatsFor(user("bob"))).toContainEqual(
      expect.objectContaining({ chatId: P, private: true, members: ["ann", "bob"] }),
    );
    expect(node.tokenNames.isTaken("BOB")).toBe(true);
  });

  test("access.privateMembers() adds the creator to a private chat and needs a token", () => {
    const { node } = setup();
    expect(node.access.privateMembers({}, user("ann"))).toEqual({
      ok: true,
      value: undefined,
    });
    expect(node.access.privateMembers({ private: true, members: ["bob"] }, user("ann")))
      .toEqual({ ok: true, value: ["bob", "ann"] });
    expect(node.access.privateMembers({ private: true }, ANONYMOUS)).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: expect.stringContaining("--auth off") },
    });
  });
});

describe("ChatNode private chats: what is served", () => {
  test("a private chat's members, a rename and token names are served once durable", async () => {
    const flushes: Array<() => void> = [];
    const store = new MemoryMessageStore({
      whenDurable: () => new Promise<void>((resolve) => flushes.push(resolve)),
    });
    const { node } = setup(5, store);
    const durable = async () => {
      await waitUntil(() => flushes.length > 0, { what: "a commit in flight" });
      flushes.shift()!();
    };
    const created = node.createChat("plans", undefined, { creator: "ann", members: ["ann"] });
    const merged = node.acceptRemoteChats([record(["ann", "bob"])]);
    const noted = node.tokenNames.noteHolder("carol");
    await waitUntil(() => flushes.length === 1, { what: "the batch in flight" });
    // Committed, not durable: the decisions see it, readers and peers do not.
    expect(node.tokenNames.isTaken("carol")).toBe(true);
    expect(node.tokenNames.list()).toEqual([]);
    expect(node.chats()).toEqual([]);
    expect(node.chat(P)).toBeUndefined();
    expect(node.access.scopeOf(user("bob")).except).toEqual([]);
    expect(node.access.checkChat(P, user("bob"))).toMatchObject({ code: "forbidden" });
    await durable();
    const chat = await created;
    await merged;
    await noted;
    expect(node.tokenNames.list().sort()).toEqual(["ann", "bob", "carol"]);
    expect(node.chat(P)?.members).toEqual(["ann", "bob"]);
    expect(node.access.scopeOf(user("bob")).except).toEqual([P]);
    expect(node.access.checkChat(P, user("bob"))).toBeUndefined();
    const renamed = node.renameChat(chat.chatId, "new plans", "ann");
    await waitUntil(() => flushes.length === 1, { what: "the rename in flight" });
    expect(node.chat(chat.chatId)?.name).toBe("plans");
    await durable();
    await renamed;
    expect(node.chat(chat.chatId)?.name).toBe("new plans");
  });

  test("members merge by union, whatever order the records come in", async () => {
    const one = setup().node;
    const two = setup().node;
    await one.acceptRemoteChats([record(["ann"])]);
    await one.acceptRemoteChats([record(["bob", "ann"])]);
    await two.acceptRemoteChats([record(["bob", "ann"])]);
    await two.acceptRemoteChats([record(["ann"])]);
    expect(one.chat(P)?.members).toEqual(["ann", "bob"]);
    expect(two.chat(P)?.members).toEqual(["ann", "bob"]);
  });
});

describe("ChatNode", () => {
  test("sendLocal() numbers from 1, publishes after commit, acks the same messageId", async () => {
    const { node, live } = setup();
    const first = node.sendLocal({ text: "a", sender: "ann", chatId: 11 });
    expect(live()).toEqual([]); // nothing before the commit
    const second = await node.sendLocal({ text: "b", sender: "ann", chatId: 11 });
    expect((await first).message.seq).toBe(1);
    expect(second.message).toMatchObject({ seq: 2, messageId: "5000000000002", nodeId: 5 });
    expect(live()).toEqual(["5/1", "5/2"]);
    expect(node.vector()).toEqual({ "5": 2 });
    expect(node.chat(11)?.name).toBe("chat 11");
  });

  test("nothing of a batch is acknowledged, delivered or read before it is durable", async () => {
    const flushes: Array<() => void> = [];
    const store = new MemoryMessageStore({
      whenDurable: () => new Promise<void>((resolve) => flushes.push(resolve)),
    });
    const { node, live } = setup(5, store);
    let acked = false;
    const sent = node.sendLocal({ text: "a", sender: "ann", chatId: 11, clientMsgId: "c1" })
      .then((outcome) => {
        acked = true;
        return outcome;
      });
    const remoteStored = node.acceptRemote([remote(7, 1, { chatId: 12 })]);
    const created = node.createChat("room");
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(flushes.length).toBe(1); // committed, being made durable
    expect(acked).toBe(false);
    expect(live()).toEqual([]);
    expect(node.vector()).toEqual({});
    expect(node.readAfter(5, 0, 10)).toEqual([]);
    expect(historyTexts(node)).toEqual([]);
    expect(node.since({ since: new Map(), limit: 10 }).messages).toEqual([]);
    expect(node.chats()).toEqual([]);
    // A resend meanwhile is the same message, not a second one.
    const resent = node.sendLocal({ text: "a", sender: "ann", chatId: 11, clientMsgId: "c1" });
    flushes.shift()!();
    const outcome = await sent;
    await remoteStored;
    const chat = await created;
    expect(outcome.message.seq).toBe(1);
    expect((await resent).message.messageId).toBe(outcome.message.messageId);
    expect(live().sort()).toEqual(["5/1", "7/1"]);
    expect(node.vector()).toEqual({ "5": 1, "7": 1 });
    expect(historyTexts(node)).toEqual(["r 7/1", "a"]);
    expect(node.chats().map((c) => c.chatId).sort((a, b) => a - b)).toEqual(
      [11, 12, chat.chatId],
    );
  });

  test("sendLocal() with a known (sender, clientMsgId) acks again without a second message", async () => {
    const { node, live } = setup();
    const input = { text: "a", sender: "ann", chatId: 11, clientMsgId: "c1" };
    const [a, b] = await Promise.all([node.sendLocal(input), node.sendLocal(input)]);
    const c = await node.sendLocal(input);
    expect(a.duplicate).toBe(false);
    expect([b.message.messageId, c.message.messageId]).toEqual([
      a.message.messageId,
      a.message.messageId,
    ]);
    expect(b.duplicate && c.duplicate).toBe(true);
    expect(live()).toEqual(["5/1"]);
  });
});

describe("ChatNode from peers", () => {
  test("acceptRemote() holds back past a gap, then publishes in seq order", async () => {
    const { node, live, store } = setup();
    await node.acceptRemote([remote(7, 3), remote(7, 2)]);
    expect(live()).toEqual([]);
    expect(node.vector()).toEqual({});
    expect(store.countMessages()).toBe(2);
    await node.acceptRemote([remote(7, 1), remote(7, 1)]);
    expect(live()).toEqual(["7/1", "7/2", "7/3"]);
    expect(node.vector()).toEqual({ "7": 3 });
    await node.acceptRemote([remote(7, 2)]);
    expect(live()).toEqual(["7/1", "7/2", "7/3"]);
    expect(node.readAfter(7, 1, 10).map((m) => m.seq)).toEqual([2, 3]);
  });

  test("acceptRemote() refuses what the contract calls malformed, even past the peer parser", async () => {
    const { node, store } = setup();
    await node.acceptRemote([
      remote(7, 1, { dateTime: "2026-02-30T00:00:00.000Z" }),
      remote(8, 1, { lc: 2 ** 31 }),
      remote(9, 1, { text: "a\ud800" }),
      remote(10, 1, { sender: "\udc00" }),
    ]);
    expect(store.countMessages()).toBe(0);
    expect(node.vector()).toEqual({});
    const next = await node.sendLocal({ text: "mine", sender: "ann", chatId: 11 });
    expect(Number.isSafeInteger(next.message.lc) && next.message.lc < 2 ** 31).toBe(true);
  });

  test("duplicates of (sender, clientMsgId): the lowest (nodeId, seq) wins, shown once", async () => {
    const { node, live } = setup(5);
    const local = await node.sendLocal({ text: "x", sender: "bob", chatId: 11, clientMsgId: "k" });
    await node.acceptRemote([remote(3, 1, { clientMsgId: "k", text: "x" })]);
    expect(live()).toEqual(["5/1"]); // the remote copy is not shown a second time
    const history = node.history({ limit: 10 });
    expect(history.ok && history.messages.map((m) => m.messageId)).toEqual([
      encodeMessageId(3, 1),
    ]);
    const again = await node.sendLocal({ text: "x", sender: "bob", chatId: 11, clientMsgId: "k" });
    expect(again.message.messageId).toBe(encodeMessageId(3, 1));
    // numbering stays gapless: the hidden local copy still replicates
    expect(node.readAfter(5, 0, 10).map((m) => m.messageId)).toEqual([local.message.messageId]);
    await node.acceptRemote([remote(9, 1, { clientMsgId: "k", text: "x" })]);
    const after = node.history({ limit: 10 });
    expect(after.ok && after.messages.length).toBe(1);
  });
});

describe("ChatNode reads and chats", () => {
  test("since() pages in canonical order and hands back the next vector", async () => {
    const { node } = setup(5);
    await node.acceptRemote([remote(7, 1), remote(7, 2), remote(7, 3)]);
    await node.sendLocal({ text: "mine", sender: "ann", chatId: 12 });
    const page1 = node.since({ since: new Map(), limit: 2 });
    expect(page1.more).toBe(true);
    expect(page1.messages.map((m) => `${m.nodeId}/${m.seq}`)).toEqual(["7/1", "7/2"]);
    expect(page1.vector).toEqual({ "7": 2 });
    const next = new Map(Object.entries(page1.vector).map(([k, v]) => [Number(k), v]));
    const page2 = node.since({ since: next, limit: 2 });
    expect(page2.more).toBe(false);
    expect(page2.messages.map((m) => `${m.nodeId}/${m.seq}`)).toEqual(["7/3", "5/1"]);
    expect(page2.vector).toEqual({ "5": 1, "7": 3 });
    const chat12 = node.since({ chatId: 12, since: new Map(), limit: 10 });
    expect(chat12.messages.map((m) => m.text)).toEqual(["mine"]);
  });

  test("history() pages backwards with before and more", async () => {
    const { node } = setup();
    for (let i = 0; i < 5; i++) await node.sendLocal({ text: `m${i}`, sender: "a", chatId: 11 });
    const last2 = node.history({ chatId: 11, limit: 2 });
    expect(last2.ok && last2.messages.map((m) => m.text)).toEqual(["m3", "m4"]);
    expect(last2.ok && last2.more).toBe(true);
    const before = last2.ok ? last2.messages[0].messageId : "";
    const rest = node.history({ chatId: 11, before, limit: 10 });
    expect(rest.ok && rest.messages.map((m) => m.text)).toEqual(["m0", "m1", "m2"]);
    expect(rest.ok && rest.more).toBe(false);
    const missing = node.history({ before: encodeMessageId(99, 1), limit: 1 });
    expect(missing.ok).toBe(false);
  });

  test("createChat() and acceptRemoteChats(): named beats implicit, earliest named wins", async () => {
    const { node, published } = setup();
    await node.sendLocal({ text: "x", sender: "a", chatId: 40 });
    const created = await node.createChat("Team");
    expect(created.chatId).toBeGreaterThanOrEqual(100_000_000);
    await node.acceptRemoteChats([{ chatId: 40, name: "Forty" }]);
    expect(node.chat(40)?.name).toBe("Forty");
    await node.acceptRemoteChats([{
      chatId: created.chatId,
      name: "Later",
      named: true,
      createdAt: "2999-01-01T00:00:00.000Z",
      createdLc: 0,
      createdBy: 1,
    }]);
    expect(node.chat(created.chatId)?.name).toBe("Team");
    expect(published.filter((p) => p.frame.type === "chatCreated").length).toBe(3);
  });
});

test("ChatNode replies of more than 100 long messages stay under REPLY_MAX_BYTES and say more", async () => {
  const { node } = setup();
  const text = "z".repeat(4000);
  for (let i = 0; i < 400; i++) await node.sendLocal({ text, sender: "a", chatId: 11 });
  const history = node.history({ limit: 1000 });
  expect(history.ok && history.more).toBe(true);
  const count = history.ok ? history.messages.length : 0;
  expect(count).toBeGreaterThanOrEqual(100);
  expect(count).toBeLessThan(400);
  expect(history.ok && history.messages.at(-1)!.seq).toBe(400);
  const since = node.since({ since: new Map(), limit: 1000 });
  expect(since.more).toBe(true);
  expect(since.messages.length).toBe(count);
  expect(since.vector).toEqual({ "5": count });
});

test("ChatNode gives the latest 100 even when they are the longest messages", async () => {
  const { node } = setup();
  const text = '\u{1F600}"'.repeat(2000); // 4,000 characters, the most bytes JSON can make of them
  for (let i = 0; i < 150; i++) await node.sendLocal({ text, sender: "a", chatId: 11 });
  const latest = node.history({ limit: 100 });
  expect(latest.ok && latest.messages.length).toBe(100);
  expect(latest.ok && latest.more).toBe(true);
  expect(latest.ok && latest.messages.at(-1)!.seq).toBe(150);
  const since = node.since({ since: new Map(), limit: 100 });
  expect(since.messages.length).toBe(100);
  expect(since.more).toBe(true);
});
