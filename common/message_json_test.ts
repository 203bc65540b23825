import { test } from "node:test";
import assert from "node:assert/strict";
import { messageJson } from "./message_json.ts";

const message = {
  messageId: "1000000000001",
  nodeId: 1,
  seq: 1,
  chatId: 11,
  text: 'say "hi" ü',
  sender: "ann",
  dateTime: "2026-11-25T09:00:00.000Z",
  lc: 0,
};

test("messageJson() is JSON.stringify, encoded once per message object", () => {
  const first = messageJson(message);
  assert.equal(first, JSON.stringify(message));
  assert.equal(messageJson(message), first);
  assert.equal(messageJson({ ...message, seq: 2 }), JSON.stringify({ ...message, seq: 2 }));
});
