import { test } from "node:test";
import assert from "node:assert/strict";
import { ChatSession, type ReceiveScope, type SessionEvent } from "./chat_session.ts";
import { allChats, chatListQuery, createChatQuery, presenceQuery } from "./node_queries.ts";
import { PendingSends } from "./pending_sends.ts";
import { createFakeTimers } from "./testing/fake_timers.ts";
import { testMessage } from "./testing/test_message.ts";

const msg = testMessage;

interface Frame {
  type: string;
  payload: Record<string, unknown>;
  ref?: string;
}

function harness(options: { historyLimit?: number; receive?: ReceiveScope } = {}) {
  const events: SessionEvent[] = [];
  const timers = createFakeTimers();
  let counter = 0;
  const session = new ChatSession({
    name: "me",
    chatId: 11,
    receive: options.receive ?? "chat",
    historyLimit: options.historyLimit ?? 20,
    resumePageLimit: 2,
    onEvent: (event) => events.push(event),
    pending: new PendingSends({ newClientMsgId: () => `s${++counter}` }),
    timers,
    random: () => 0.5,
  });
  let sent: Frame[] = [];
  function connect(url = "ws://a/") {
    sent = [];
    session.attach({ url, send: (text) => sent.push(JSON.parse(text)) });
  }
  const frame = (value: unknown) => session.receive(JSON.stringify(value));
  const shown = () =>
    events.flatMap((e) => e.kind === "message" ? [`${e.origin}:${e.message.text}`] : []);
  const lastRequest = () => [...sent].reverse().find((f) => f.type === "clientSyncRequest")!;
  return { session, events, connect, frame, shown, sent: () => sent, lastRequest, timers };
}

test("ChatSession.attach() says hello, subscribes and asks for history on first entry", () => {
  const h = harness();
  h.connect();
  assert.deepEqual(h.sent().map((f) => f.type), ["hello", "subscribe", "clientSyncRequest"]);
  assert.deepEqual(h.sent()[1].payload, { chatIds: [11] });
  assert.deepEqual(h.lastRequest().payload, { chatId: 11, limit: 20 });
});

test("ChatSession holds live messages during the history sync and shows them after it", () => {
  const h = harness();
  h.connect();
  h.frame({ type: "welcome", payload: { nodeId: 1, vector: { "1": 3 } } });
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 4)] });
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 3)] });
  assert.deepEqual(h.shown(), []);
  const ref = h.lastRequest().ref;
  h.frame({ type: "clientSyncReply", payload: [msg(1, 3), msg(1, 2)], ref });
  assert.deepEqual(h.shown(), ["history:m1.2", "history:m1.3", "live:m1.4"]);
  const ready = h.events.find((e) => e.kind === "ready");
  assert.deepEqual(ready, { kind: "ready", url: "ws://a/", nodeId: 1, resumed: false, missed: 0 });
});

test("ChatSession resumes with since after a lost connection, pages, and shows nothing twice", () => {
  const h = harness();
  h.connect("ws://a/");
  h.frame({ type: "welcome", payload: { nodeId: 1, vector: { "1": 2, "2": 5 } } });
  h.frame({ type: "clientSyncReply", payload: [msg(1, 2)], ref: h.lastRequest().ref });
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 3)] });
  h.session.detach();

  h.connect("ws://b/");
  const resume = h.lastRequest();
  assert.deepEqual(resume.payload, { chatId: 11, since: { "1": 3, "2": 5 }, limit: 2 });
  h.frame({ type: "welcome", payload: { nodeId: 2, vector: { "1": 5, "2": 9 } } });
  h.frame({ type: "newMessagesForClient", payload: [msg(2, 10)] }); // live during sync: held
  h.frame({
    type: "clientSyncReply",
    payload: [msg(1, 4), msg(2, 6)],
    more: true,
    vector: { "1": 4, "2": 6 },
    ref: resume.ref,
  });
  const page2 = h.lastRequest();
  assert.deepEqual(page2.payload, { chatId: 11, since: { "1": 4, "2": 6 }, limit: 2 });
  h.frame({ type: "clientSyncReply", payload: [msg(1, 5)], ref: page2.ref });
  // A lagging copy delivered again later is not shown twice.
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 5)] });
  assert.deepEqual(h.shown(), [
    "history:m1.2",
    "live:m1.3",
    "missed:m1.4",
    "missed:m2.6",
    "missed:m1.5",
    "live:m2.10",
  ]);
  const ready = h.events.filter((e) => e.kind === "ready").at(-1);
  assert.deepEqual(ready, { kind: "ready", url: "ws://b/", nodeId: 2, resumed: true, missed: 3 });
  assert.deepEqual(h.session.position.wire(), { "1": 5, "2": 10 });
});

test("ChatSession merges a welcome vector only once the resume sync is done", () => {
  const h = harness({ historyLimit: 0 });
  h.connect("ws://a/");
  h.frame({ type: "welcome", payload: { nodeId: 1, vector: { "1": 2 } } });
  h.session.detach();
  h.connect("ws://b/");
  h.frame({ type: "welcome", payload: { nodeId: 2, vector: { "1": 2, "2": 7 } } });
  h.session.detach(); // lost before the sync answered
  h.connect("ws://c/");
  assert.deepEqual(h.lastRequest().payload.since, { "1": 2 });
});

test("ChatSession in follow mode starts at the welcome and holds live messages until it", () => {
  const h = harness({ historyLimit: 0 });
  h.connect();
  assert.deepEqual(h.sent().map((f) => f.type), ["hello", "subscribe"]);
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 8)] });
  assert.deepEqual(h.shown(), []);
  h.frame({ type: "welcome", payload: { nodeId: 1, vector: { "1": 8 } } });
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 9)] });
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 10, { chatId: 12 })] });
  assert.deepEqual(h.shown(), ["live:m1.8", "live:m1.9"]);
});

test("ChatSession resends pending messages with the same clientMsgId after failover", () => {
  const h = harness({ receive: "none" });
  h.connect("ws://a/");
  const entry = h.session.sendText("hello");
  assert.equal(h.sent().at(-1)!.payload.clientMsgId, "s1");
  h.session.detach();
  h.connect("ws://b/");
  assert.deepEqual(h.sent().map((f) => f.type), ["subscribe", "newMessageFromClient"]);
  assert.deepEqual(h.sent()[1].payload, {
    text: "hello",
    sender: "me",
    chatId: 11,
    clientMsgId: entry.clientMsgId,
  });
  h.frame({ type: "clientMessageResponse", payload: { clientMsgId: "s1", messageId: "7" } });
  assert.equal(h.session.pending.size, 0);
  assert.ok(h.events.some((e) => e.kind === "acked" && e.messageId === "7"));
});

test("ChatSession shows two copies of one client send once, and delivery settles the pending entry", () => {
  const h = harness({ historyLimit: 0 });
  h.connect();
  h.frame({ type: "welcome", payload: { nodeId: 1, vector: {} } });
  h.session.sendText("hi");
  h.frame({
    type: "newMessagesForClient",
    payload: [msg(1, 1, { sender: "me", text: "hi", clientMsgId: "s1" })],
  });
  h.frame({
    type: "newMessagesForClient",
    payload: [msg(2, 1, { sender: "me", text: "hi", clientMsgId: "s1" })],
  });
  assert.deepEqual(h.shown(), ["live:hi"]);
  assert.equal(h.session.pending.size, 0);
});

test("ChatSession reports a rejected send by its ref", () => {
  const h = harness({ receive: "none" });
  h.connect();
  h.session.sendText("x");
  h.frame({ type: "error", payload: { code: "bad_frame", message: "text too long" }, ref: "s1" });
  const rejected = h.events.find((e) => e.kind === "rejected");
  assert.ok(rejected && rejected.kind === "rejected");
  assert.equal(rejected.reason, "bad_frame: text too long");
  assert.equal(h.session.pending.size, 0);
});

test("ChatSession sends a rate_limited send again on the same connection, not rejected", async () => {
  const h = harness({ receive: "none" });
  h.connect();
  h.session.sendText("x");
  const sends = () => h.sent().filter((f) => f.type === "newMessageFromClient");
  h.frame({ type: "error", payload: { code: "rate_limited", message: "slow down" }, ref: "s1" });
  assert.equal(h.events.some((e) => e.kind === "rejected"), false);
  assert.equal(h.session.pending.size, 1);
  await h.timers.advance(1_499);
  assert.equal(sends().length, 1);
  await h.timers.advance(1); // 1 s times (1 + random 0.5)
  assert.equal(sends().length, 2);
  assert.equal(sends().at(-1)!.ref, "s1");
  // After a reconnect the retry of the old connection does nothing (attach resent it already).
  h.frame({ type: "error", payload: { code: "rate_limited", message: "slow down" }, ref: "s1" });
  h.connect("ws://b/");
  assert.equal(sends().length, 1);
  await h.timers.advance(2_000);
  assert.equal(sends().length, 1);
});

test("ChatSession keeps a send the node could not store for the next connection", () => {
  const h = harness({ receive: "none" });
  h.connect();
  h.session.sendText("x");
  h.frame({ type: "error", payload: { code: "unavailable", message: "try again" }, ref: "s1" });
  assert.equal(h.session.pending.size, 1);
  assert.ok(h.events.some((e) => e.kind === "serverError" && e.code === "unavailable"));
  h.session.detach();
  h.connect("ws://b/");
  assert.deepEqual(h.sent().map((f) => f.ref), [undefined, "s1"]);
});

test("ChatSession.join() subscribes to the new chat and shows its history", () => {
  const h = harness();
  h.connect();
  h.frame({ type: "welcome", payload: { nodeId: 1, vector: {} } });
  h.frame({ type: "clientSyncReply", payload: [], ref: h.lastRequest().ref });
  h.session.join(12);
  const [subscribe, request] = h.sent().slice(-2);
  assert.deepEqual(subscribe.payload, { chatIds: [12] });
  assert.deepEqual(request.payload, { chatId: 12, limit: 20 });
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 1, { chatId: 11 })] });
  h.frame({ type: "clientSyncReply", payload: [msg(1, 2, { chatId: 12 })], ref: request.ref });
  assert.deepEqual(h.shown(), ["history:m1.2"]);
  assert.equal(h.events.filter((e) => e.kind === "ready").length, 1);
});

test("ChatSession.join() back to a chat shows its latest messages again", () => {
  const h = harness();
  h.connect();
  h.frame({ type: "welcome", payload: { nodeId: 1, vector: {} } });
  h.frame({ type: "clientSyncReply", payload: [msg(1, 1)], ref: h.lastRequest().ref });
  h.session.join(12);
  h.frame({
    type: "clientSyncReply",
    payload: [msg(1, 2, { chatId: 12 })],
    ref: h.lastRequest().ref,
  });
  h.session.join(11);
  h.frame({ type: "clientSyncReply", payload: [msg(1, 1), msg(1, 3)], ref: h.lastRequest().ref });
  assert.deepEqual(h.shown(), ["history:m1.1", "history:m1.2", "history:m1.1", "history:m1.3"]);
  // Live delivery stays once: a message already shown live is not shown live again.
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 3)] });
  assert.equal(h.shown().length, 4);
});

test("ChatSession in follow mode still shows what arrived before a lost first welcome", () => {
  const h = harness({ historyLimit: 0 });
  h.connect("ws://a/");
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 8)] });
  h.session.detach();
  assert.deepEqual(h.shown(), ["live:m1.8"]);
  h.connect("ws://b/");
  assert.deepEqual(h.sent().map((f) => f.type), ["hello", "subscribe"]);
  h.frame({ type: "welcome", payload: { nodeId: 2, vector: { "1": 8 } } });
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 8)] });
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 9)] });
  assert.deepEqual(h.shown(), ["live:m1.8", "live:m1.9"]);
});

test("ChatSession receiving every chat resumes without a chat filter and shows every chat", () => {
  const h = harness({ receive: "all", historyLimit: 0 });
  h.connect("ws://a/");
  assert.deepEqual(h.sent().map((f) => f.type), ["hello"]);
  h.frame({ type: "welcome", payload: { nodeId: 1, vector: { "1": 2 } } });
  h.frame({ type: "newMessagesForClient", payload: [msg(1, 3, { chatId: 12 })] });
  h.session.detach();
  h.connect("ws://b/");
  assert.deepEqual(h.lastRequest().payload, { since: { "1": 3 }, limit: 2 });
  h.frame({
    type: "clientSyncReply",
    payload: [msg(2, 1, { chatId: 40 })],
    ref: h.lastRequest().ref,
  });
  assert.deepEqual(h.shown(), ["live:m1.3", "missed:m2.1"]);
});

test("ChatSession.listChats() resolves with the reply, and the chatList event is told too", async () => {
  const h = harness({ historyLimit: 0 });
  await assert.rejects(
    h.session.query(chatListQuery()),
    /^Error: Cannot list chats: not connected$/,
  );
  h.connect();
  const chats = h.session.query(chatListQuery());
  const request = h.sent().at(-1)!;
  assert.equal(request.type, "listChats");
  h.frame({ type: "chatList", payload: [{ chatId: 11, name: "chat 11" }], ref: request.ref });
  assert.deepEqual(await chats, { chats: [{ chatId: 11, name: "chat 11" }], more: false });
  assert.ok(h.events.some((e) => e.kind === "chatList" && e.chats.length === 1));
});

test("allChats() pages through a node's list while it says more", async () => {
  const h = harness({ historyLimit: 0 });
  h.connect();
  const chats = allChats((query) => h.session.query(query));
  const first = h.sent().at(-1)!;
  assert.deepEqual(first.payload, { creators: true, limit: 1000 });
  h.frame({ type: "chatList", payload: [{ chatId: 3, name: "a" }], more: true, ref: first.ref });
  await new Promise((resolve) => setTimeout(resolve, 0));
  const second = h.sent().at(-1)!;
  assert.equal(second.type, "listChats");
  assert.deepEqual(second.payload, { creators: true, limit: 1000, after: 3 });
  h.frame({ type: "chatList", payload: [{ chatId: 9, name: "b" }], ref: second.ref });
  assert.deepEqual((await chats).map((c) => c.chatId), [3, 9]);
  assert.equal(h.events.filter((e) => e.kind === "chatList").length, 2);
});

test("ChatSession rejects what is still asked when the connection goes, or the node refuses", async () => {
  const h = harness({ historyLimit: 0 });
  h.connect();
  const created = h.session.query(createChatQuery("x"));
  const who = h.session.query(presenceQuery());
  h.frame({
    type: "error",
    payload: { code: "bad_frame", message: "name too long" },
    ref: h.sent().at(-2)!.ref,
  });
  await assert.rejects(created, /^Error: Cannot create the chat: bad_frame: name too long$/);
  h.session.detach();
  await assert.rejects(who, /^Error: Cannot ask who is here: the connection closed$/);
});

test("ChatSession tells a malformed frame as a value, and fails the request it answered", async () => {
  const h = harness({ historyLimit: 0 });
  h.connect();
  h.frame({ type: "welcome", payload: { nodeId: 1, vector: {} } });
  const page = h.session.history(11);
  h.session.receive(
    `{"type":"clientSyncReply","payload":[{"seq":"x"}],"ref":"${h.lastRequest().ref}"}`,
  );
  h.session.receive("not json");
  await assert.rejects(page, /Cannot read history: the node's answer is malformed/);
  const reasons = h.events.flatMap((e) => e.kind === "undecodable" ? [e.error.reason] : []);
  assert.deepEqual(reasons, ["bad_payload", "not_json"]);
  assert.equal(h.session.ready, true);
});

test("ChatSession ends a resume the node refused without claiming the welcome", () => {
  const h = harness({ historyLimit: 0 });
  h.connect("ws://a/");
  h.frame({ type: "welcome", payload: { nodeId: 1, vector: { "1": 2 } } });
  h.session.detach();
  h.connect("ws://b/");
  h.frame({ type: "welcome", payload: { nodeId: 2, vector: { "1": 9 } } });
  h.frame({ type: "error", payload: { code: "internal", message: "x" }, ref: h.lastRequest().ref });
  assert.equal(h.session.ready, true);
  assert.deepEqual(h.session.position.wire(), { "1": 2 });
});

test("ChatSession passes section 7 events on (messageUpdated, typing)", () => {
  const h = harness({ historyLimit: 0 });
  h.connect();
  h.frame({ type: "messageUpdated", payload: { ...msg(1, 1), text: "", deleted: true } });
  h.frame({ type: "typing", payload: { chatId: 11, name: "ann", nodeId: 1 } });
  const kinds = h.events.map((e) => e.kind);
  assert.deepEqual(kinds, ["messageUpdated", "typing"]);
});
