import { test } from "node:test";
import assert from "node:assert/strict";
import { asChatMessage, asChats, asPresenceEntries, parseServerFrame } from "./server_frame.ts";

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

test("parseServerFrame() reads frames and drops what is not one", () => {
  assert.deepEqual(parseServerFrame('{"type":"x","payload":[],"ref":"r","more":true,"source":3}'), {
    type: "x",
    payload: [],
    source: 3,
    ref: "r",
    more: true,
    vector: undefined,
  });
  for (const text of ["nope", "[]", "null", '{"payload":1}', '{"type":5}']) {
    assert.equal(parseServerFrame(text), null, text);
  }
});

test("asChatMessage() keeps exactly the contract's fields and rejects malformed messages", () => {
  assert.deepEqual(asChatMessage({ ...good, extra: 1, clientMsgId: "c" }), {
    ...good,
    clientMsgId: "c",
  });
  for (const bad of [{ ...good, seq: 0 }, { ...good, nodeId: "1" }, { ...good, text: 3 }, null]) {
    assert.equal(asChatMessage(bad), null);
  }
});

test("asChats() and asPresenceEntries() keep the well-formed items", () => {
  assert.deepEqual(asChats([{ chatId: 1, name: "a" }, { chatId: "x" }]), [{
    chatId: 1,
    name: "a",
  }]);
  assert.deepEqual(asPresenceEntries([{ name: "a", nodeId: 2, extra: 1 }, {}]), [
    { name: "a", nodeId: 2 },
  ]);
  assert.deepEqual(asChats(null), []);
});
