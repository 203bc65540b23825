/**
 * Section 7 in the session core: edits, deletes and searches answered by ref,
 * typing sent without an answer, and a resume that also brings the edits and
 * deletes missed (`updatesSince` / `updated` / `updates`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChatSession, type SessionEvent } from "./chat_session.ts";
import { deleteMessageQuery, editMessageQuery, searchQuery } from "./node_queries.ts";
import { createFakeTimers } from "./testing/fake_timers.ts";
import { testMessage } from "./testing/test_message.ts";

interface Frame {
  type: string;
  payload: Record<string, unknown>;
  ref?: string;
}

function harness(receive: "chat" | "all" = "all") {
  const events: SessionEvent[] = [];
  const session = new ChatSession({
    name: "me",
    chatId: 11,
    receive,
    historyLimit: 0,
    resumePageLimit: 2,
    onEvent: (event) => events.push(event),
    timers: createFakeTimers(),
  });
  let sent: Frame[] = [];
  const connect = () => {
    sent = [];
    session.attach({ url: "ws://a/", send: (text) => sent.push(JSON.parse(text)) });
  };
  const frame = (value: unknown) => session.receive(JSON.stringify(value));
  return { session, events, connect, frame, sent: () => sent };
}

test("ChatSession asks edits, deletes and searches by ref and resolves with the answer", async () => {
  const h = harness();
  h.connect();
  h.frame({ type: "welcome", payload: { nodeId: 1, vector: {} } });
  const mine = testMessage(1, 1, { sender: "me" });
  const edit = h.session.query(editMessageQuery(mine.messageId, "fixed"));
  const editFrame = h.sent().at(-1)!;
  assert.deepEqual(editFrame.payload, { messageId: mine.messageId, text: "fixed" });
  const edited = { ...mine, text: "fixed", editedAt: "2026-01-01T00:01:00.000Z" };
  h.frame({ type: "messageUpdated", payload: edited, ref: editFrame.ref });
  assert.deepEqual(await edit, edited);
  assert.ok(h.events.some((e) => e.kind === "messageUpdated" && e.update.text === "fixed"));

  const removal = h.session.query(deleteMessageQuery(mine.messageId));
  h.frame({
    type: "error",
    payload: { code: "forbidden", message: "only the sender may delete it" },
    ref: h.sent().at(-1)!.ref,
  });
  await assert.rejects(removal, /^Error: Cannot delete the message: forbidden: only the sender/);

  const search = h.session.query(searchQuery("café", { chatId: 11, limit: 5 }));
  const searchFrame = h.sent().at(-1)!;
  assert.deepEqual(searchFrame.payload, { q: "café", chatId: 11, limit: 5 });
  h.frame({
    type: "searchResults",
    payload: [mine],
    more: true,
    before: mine.messageId,
    ref: searchFrame.ref,
  });
  assert.deepEqual(await search, { messages: [mine], more: true, before: mine.messageId });

  h.session.typing(12);
  assert.deepEqual(h.sent().at(-1), { type: "typing", payload: { chatId: 12 } });
});

test("ChatSession resumes with updatesSince and tells the edits and deletes it missed", () => {
  const h = harness();
  h.connect();
  h.frame({ type: "welcome", payload: { nodeId: 1, vector: { "1": 2 }, updates: { "1": 4 } } });
  h.session.detach();
  h.connect();
  const resume = h.sent().find((f) => f.type === "clientSyncRequest")!;
  assert.deepEqual(resume.payload, {
    since: { "1": 2 },
    limit: 2,
    updatesSince: { "1": 4 },
  });
  h.frame({ type: "welcome", payload: { nodeId: 2, vector: { "1": 2 }, updates: { "1": 6 } } });
  const deleted = testMessage(1, 1, { text: "", deleted: true });
  h.frame({
    type: "clientSyncReply",
    payload: [],
    updated: [deleted],
    updates: { "1": 5 },
    vector: { "1": 2 },
    more: true,
    ref: resume.ref,
  });
  assert.deepEqual(
    h.events.filter((e) => e.kind === "messageUpdated").map((e) =>
      e.kind === "messageUpdated" && e.update
    ),
    [deleted],
  );
  const next = h.sent().filter((f) => f.type === "clientSyncRequest").at(-1)!;
  assert.deepEqual(next.payload.updatesSince, { "1": 5 });
  h.frame({ type: "clientSyncReply", payload: [], updates: { "1": 5 }, ref: next.ref });
  // Complete: the welcome's marks are taken in too.
  assert.deepEqual(h.session.position.updatesWire(), { "1": 6 });
});
