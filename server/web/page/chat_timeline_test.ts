import { describe, expect, test } from "bun:test";
import type { ChatMessage } from "../../../common/protocol.ts";
import { createChatTimeline, ownMessageKey } from "./chat_timeline.ts";

function message(nodeId: number, seq: number, second: number, extra: Partial<ChatMessage> = {}) {
  return {
    messageId: String(nodeId * 1e12 + seq),
    nodeId,
    seq,
    chatId: 11,
    text: `m${nodeId}.${seq}`,
    sender: "ann",
    dateTime: `2026-11-25T10:00:${String(second).padStart(2, "0")}.000Z`,
    lc: 0,
    ...extra,
  } satisfies ChatMessage;
}

function texts(timeline: ReturnType<typeof createChatTimeline>): string[] {
  return timeline.entries().map((entry) =>
    entry.kind === "message" ? entry.message.text : `pending:${entry.pending.text}`
  );
}

describe("createChatTimeline()", () => {
  test("addMessages() keeps canonical order whatever the arrival order", () => {
    const timeline = createChatTimeline();
    timeline.addMessages([message(2, 1, 30), message(1, 1, 10)]);
    timeline.addMessages([message(1, 2, 20), message(3, 1, 20)]);
    expect(texts(timeline)).toEqual(["m1.1", "m1.2", "m3.1", "m2.1"]);
    expect(timeline.oldestMessageId()).toBe(String(1e12 + 1));
  });

  test("addMessages() shows a message once and returns only the new ones", () => {
    const timeline = createChatTimeline();
    expect(timeline.addMessages([message(1, 1, 10), message(1, 1, 10)]).length).toBe(1);
    expect(timeline.addMessages([message(1, 1, 10), message(1, 2, 11)]).map((m) => m.seq))
      .toEqual([2]);
    expect(timeline.size()).toBe(2);
  });

  test("addMessages() keeps the lowest (nodeId, seq) of one (sender, clientMsgId)", () => {
    const timeline = createChatTimeline();
    timeline.addMessages([message(5, 1, 10, { clientMsgId: "c1", text: "from 5" })]);
    const added = timeline.addMessages([message(2, 9, 12, { clientMsgId: "c1", text: "from 2" })]);
    expect(added).toEqual([]);
    expect(texts(timeline)).toEqual(["from 2"]);
    timeline.addMessages([message(7, 1, 9, { clientMsgId: "c1", text: "from 7" })]);
    expect(texts(timeline)).toEqual(["from 2"]);
    timeline.addMessages([message(7, 2, 9, { clientMsgId: "c1", sender: "bob", text: "bob" })]);
    expect(texts(timeline)).toEqual(["bob", "from 2"]);
  });

  test("a pending send shows last until its confirmed copy replaces it, same key", () => {
    const timeline = createChatTimeline();
    timeline.addMessages([message(1, 1, 10)]);
    timeline.addPending({
      clientMsgId: "c9",
      chatId: 11,
      sender: "me",
      text: "hi",
      createdAtMs: 1,
    });
    expect(texts(timeline)).toEqual(["m1.1", "pending:hi"]);
    expect(timeline.unacknowledged().map((send) => send.clientMsgId)).toEqual(["c9"]);
    expect(timeline.acknowledge("c9", "1000000000002")).toBe(true);
    expect(timeline.unacknowledged()).toEqual([]);
    expect(texts(timeline)).toEqual(["m1.1", "pending:hi"]);
    timeline.addMessages([message(1, 2, 11, { clientMsgId: "c9", sender: "me", text: "hi" })]);
    expect(texts(timeline)).toEqual(["m1.1", "hi"]);
    expect(timeline.entries()[1].key).toBe(ownMessageKey("me", "c9"));
    expect(timeline.acknowledge("c9", "x")).toBe(false);
  });

  test("fail() marks a refused send, which is no longer resent", () => {
    const timeline = createChatTimeline();
    timeline.addPending({ clientMsgId: "c1", chatId: 11, sender: "me", text: "x", createdAtMs: 1 });
    timeline.addPending({ clientMsgId: "c2", chatId: 11, sender: "me", text: "y", createdAtMs: 2 });
    expect(timeline.fail("c1", "bad_frame: too long")).toBe(true);
    expect(timeline.fail("nope", "x")).toBe(false);
    expect(timeline.unacknowledged().map((send) => send.clientMsgId)).toEqual(["c2"]);
    const shown = timeline.entries()[0];
    expect(shown.kind === "pending" && shown.pending.failure).toBe("bad_frame: too long");
  });

  test("addPending() ignores a send whose copy is already shown", () => {
    const timeline = createChatTimeline();
    timeline.addMessages([message(1, 1, 10, { clientMsgId: "c1", sender: "me" })]);
    timeline.addPending({ clientMsgId: "c1", chatId: 11, sender: "me", text: "x", createdAtMs: 1 });
    expect(timeline.unacknowledged()).toEqual([]);
    expect(timeline.entries().length).toBe(1);
  });
});
