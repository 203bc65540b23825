import { test } from "node:test";
import assert from "node:assert/strict";
import { toWireMessage } from "./wire_message.ts";

const base = {
  messageId: "7000000000001",
  nodeId: 7,
  seq: 1,
  chatId: 11,
  text: "hi",
  sender: "ann",
  dateTime: "2026-11-25T10:00:00.000Z",
  lc: 0,
};

test("toWireMessage() keeps exactly the contract's fields, in the contract's order", () => {
  const stored = { held: false, hidden: true, clientMsgId: "c1", ...base, extra: 1 };
  assert.equal(
    JSON.stringify(toWireMessage(stored)),
    JSON.stringify({ ...base, clientMsgId: "c1" }),
  );
});

test("toWireMessage() leaves clientMsgId out when the message has none", () => {
  assert.equal("clientMsgId" in toWireMessage({ ...base }), false);
});
