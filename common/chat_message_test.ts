import { test } from "node:test";
import assert from "node:assert/strict";
import { parseChatMessage, parseChatMessages } from "./chat_message.ts";

const good = {
  messageId: "1000000000001",
  nodeId: 1,
  seq: 1,
  chatId: 11,
  text: "t",
  sender: "s",
  dateTime: "2026-01-01T00:00:00.000Z",
  lc: 0,
};

test("parseChatMessage() keeps exactly the contract's fields, in the contract's order", () => {
  const parsed = parseChatMessage({ extra: 1, ...good, clientMsgId: "c", held: true });
  assert.ok(parsed.ok);
  assert.equal(JSON.stringify(parsed.value), JSON.stringify({ ...good, clientMsgId: "c" }));
});

test("parseChatMessage() refuses each malformed field as a value", () => {
  const cases: [string, unknown][] = [
    ["not an object", null],
    ["seq 0", { ...good, seq: 0 }],
    ["nodeId as a string", { ...good, nodeId: "1" }],
    ["messageId of another (nodeId, seq)", { ...good, messageId: "1000000000002" }],
    ["empty text", { ...good, text: "" }],
    ["text too long", { ...good, text: "x".repeat(4001) }],
    ["text not a string", { ...good, text: 3 }],
    ["empty sender", { ...good, sender: "" }],
    ["dateTime not ISO", { ...good, dateTime: "yesterday" }],
    ["lc negative", { ...good, lc: -1 }],
    ["clientMsgId too long", { ...good, clientMsgId: "c".repeat(65) }],
    ["deleted not a boolean", { ...good, deleted: "yes" }],
    ["editedAt not ISO", { ...good, editedAt: 5 }],
  ];
  for (const [what, value] of cases) {
    const parsed = parseChatMessage(value);
    assert.equal(parsed.ok, false, what);
    if (!parsed.ok) assert.equal(parsed.error.code, "bad_frame", what);
  }
});

test("parseChatMessage() takes an edited message, and a deleted one with empty text", () => {
  const editedAt = "2026-01-01T00:00:05.000Z";
  assert.deepEqual(parseChatMessage({ ...good, editedAt }), {
    ok: true,
    value: { ...good, editedAt },
  });
  assert.deepEqual(parseChatMessage({ ...good, text: "", deleted: true }), {
    ok: true,
    value: { ...good, text: "", deleted: true },
  });
  assert.deepEqual(parseChatMessage({ ...good, deleted: false }), { ok: true, value: good });
});

test("parseChatMessages() says which message of a list is malformed", () => {
  assert.deepEqual(parseChatMessages([good]), { ok: true, value: [good] });
  const parsed = parseChatMessages([good, { ...good, lc: "x" }]);
  assert.deepEqual(parsed, {
    ok: false,
    error: { code: "bad_frame", message: "message 1: bad lc" },
  });
  assert.equal(parseChatMessages({}).ok, false);
});
