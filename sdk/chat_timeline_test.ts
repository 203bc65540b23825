import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChatMessage } from "../common/protocol.ts";
import { createChatTimeline, ownMessageKey } from "./chat_timeline.ts";
import { testMessage } from "./testing/test_message.ts";

/** A message of `ann` at second `second` of one minute. */
function message(nodeId: number, seq: number, second: number, extra: Partial<ChatMessage> = {}) {
  const dateTime = `2026-11-25T10:00:${String(second).padStart(2, "0")}.000Z`;
  return testMessage(nodeId, seq, { sender: "ann", dateTime, ...extra });
}

function texts(timeline: ReturnType<typeof createChatTimeline>): string[] {
  return timeline.entries().map((entry) =>
    entry.kind === "message" ? entry.message.text : `pending:${entry.pending.text}`
  );
}

test("ChatTimeline.addMessages() keeps canonical order whatever the arrival order", () => {
  const timeline = createChatTimeline();
  timeline.addMessages([message(2, 1, 30), message(1, 1, 10)]);
  timeline.addMessages([message(1, 2, 20), message(3, 1, 20)]);
  assert.deepEqual(texts(timeline), ["m1.1", "m1.2", "m3.1", "m2.1"]);
  assert.equal(timeline.oldestMessageId(), String(1e12 + 1));
});

test("ChatTimeline.addMessages() shows a message once and returns only the new ones", () => {
  const timeline = createChatTimeline();
  assert.equal(timeline.addMessages([message(1, 1, 10), message(1, 1, 10)]).length, 1);
  const added = timeline.addMessages([message(1, 1, 10), message(1, 2, 11)]);
  assert.deepEqual(added.map((m) => m.seq), [2]);
  assert.equal(timeline.size(), 2);
});

test("ChatTimeline.addMessages() keeps the lowest (nodeId, seq) of one (sender, clientMsgId)", () => {
  const timeline = createChatTimeline();
  timeline.addMessages([message(5, 1, 10, { clientMsgId: "c1", text: "from 5" })]);
  const added = timeline.addMessages([message(2, 9, 12, { clientMsgId: "c1", text: "from 2" })]);
  assert.deepEqual(added, []);
  assert.deepEqual(texts(timeline), ["from 2"]);
  timeline.addMessages([message(7, 1, 9, { clientMsgId: "c1", text: "from 7" })]);
  assert.deepEqual(texts(timeline), ["from 2"]);
  timeline.addMessages([message(7, 2, 9, { clientMsgId: "c1", sender: "bob", text: "bob" })]);
  assert.deepEqual(texts(timeline), ["bob", "from 2"]);
});

test("ChatTimeline: a pending send shows last until its confirmed copy replaces it, same key", () => {
  const timeline = createChatTimeline();
  timeline.addMessages([message(1, 1, 10)]);
  timeline.addPending({
    clientMsgId: "c9",
    chatId: 11,
    sender: "me",
    text: "hi",
    queuedAtMs: 1,
  });
  assert.deepEqual(texts(timeline), ["m1.1", "pending:hi"]);
  assert.deepEqual(timeline.unacknowledged().map((send) => send.clientMsgId), ["c9"]);
  assert.equal(timeline.acknowledge("c9", "1000000000002"), true);
  assert.deepEqual(timeline.unacknowledged(), []);
  assert.deepEqual(texts(timeline), ["m1.1", "pending:hi"]);
  timeline.addMessages([message(1, 2, 11, { clientMsgId: "c9", sender: "me", text: "hi" })]);
  assert.deepEqual(texts(timeline), ["m1.1", "hi"]);
  assert.equal(timeline.entries()[1].key, ownMessageKey("me", "c9"));
  assert.equal(timeline.acknowledge("c9", "x"), false);
});

test("ChatTimeline.fail() marks a refused send, which is no longer resent", () => {
  const timeline = createChatTimeline();
  timeline.addPending({ clientMsgId: "c1", chatId: 11, sender: "me", text: "x", queuedAtMs: 1 });
  timeline.addPending({ clientMsgId: "c2", chatId: 11, sender: "me", text: "y", queuedAtMs: 2 });
  assert.equal(timeline.fail("c1", "bad_frame: too long"), true);
  assert.equal(timeline.fail("nope", "x"), false);
  assert.deepEqual(timeline.unacknowledged().map((send) => send.clientMsgId), ["c2"]);
  const shown = timeline.entries()[0];
  assert.equal(shown.kind === "pending" && shown.pending.failure, "bad_frame: too long");
});

test("ChatTimeline.addPending() ignores a send whose copy is already shown", () => {
  const timeline = createChatTimeline();
  timeline.addMessages([message(1, 1, 10, { clientMsgId: "c1", sender: "me" })]);
  timeline.addPending({ clientMsgId: "c1", chatId: 11, sender: "me", text: "x", queuedAtMs: 1 });
  assert.deepEqual(timeline.unacknowledged(), []);
  assert.equal(timeline.entries().length, 1);
});

test("ChatTimeline.update() shows an edit or a delete in place, and drops a hidden copy", () => {
  const timeline = createChatTimeline();
  timeline.addMessages([message(1, 1, 10), message(1, 2, 11), message(2, 1, 12)]);
  const editedAt = "2026-11-25T10:01:00.000Z";
  assert.equal(timeline.update({ ...message(1, 1, 10), text: "edited", editedAt }), true);
  assert.equal(timeline.update({ ...message(1, 2, 11), text: "", deleted: true }), true);
  assert.equal(timeline.update({ ...message(2, 1, 12), duplicateOf: String(1e12 + 1) }), true);
  assert.deepEqual(texts(timeline), ["edited", ""]);
  assert.equal(timeline.addMessages([message(2, 1, 12)]).length, 0); // gone for good
  assert.equal(timeline.update({ ...message(9, 9, 1), text: "?" }), false);
});

test("ChatTimeline.update() with duplicateOf keeps the send once, as the copy that stays", () => {
  const timeline = createChatTimeline();
  const loser = message(7, 3, 10, { clientMsgId: "c9", sender: "ann" });
  timeline.addMessages([loser]);
  const stays = String(2e12 + 5); // node 2, seq 5: never delivered to this client
  assert.equal(timeline.update({ ...loser, duplicateOf: stays }), true);
  const [row] = timeline.entries();
  assert.equal(row.kind === "message" && row.message.messageId, stays);
  assert.equal(row.kind === "message" && `${row.message.nodeId}/${row.message.seq}`, "2/5");
  assert.equal(timeline.size(), 1);
  assert.equal(timeline.addMessages([loser]).length, 0); // the hidden copy never comes back
});
