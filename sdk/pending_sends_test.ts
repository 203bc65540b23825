import { test } from "node:test";
import assert from "node:assert/strict";
import { pendingSendFrame, PendingSends } from "./pending_sends.ts";

test("PendingSends keeps entries in order until resolved, and ages them", () => {
  let now = 1000;
  let id = 0;
  const pending = new PendingSends({ newClientMsgId: () => `c${++id}`, nowMs: () => now });
  const a = pending.add({ text: "a", chatId: 11, sender: "ann" });
  now = 1500;
  pending.add({ text: "b", chatId: 11, sender: "ann" });
  now = 4000;
  assert.deepEqual(pending.list().map((e) => e.text), ["a", "b"]);
  assert.equal(pending.oldestAgeMs(), 3000);
  assert.equal(pending.resolve(a.clientMsgId), a);
  assert.equal(pending.resolve(a.clientMsgId), undefined);
  assert.equal(pending.oldestAgeMs(), 2500);
  assert.equal(pending.size, 1);
});

test("PendingSends.add() restores an entry with its own clientMsgId and time", () => {
  const pending = new PendingSends({ nowMs: () => 9000 });
  const entry = pending.add({ text: "a", chatId: 1, sender: "ann" }, {
    clientMsgId: "kept",
    queuedAtMs: 5000,
  });
  assert.equal(pending.get("kept"), entry);
  assert.equal(pending.oldestAgeMs(), 4000);
  assert.match(pending.add({ text: "b", chatId: 1, sender: "ann" }).clientMsgId, /^[0-9a-f]{32}$/);
});

test("pendingSendFrame() resends with the same clientMsgId, echoed as ref", () => {
  const pending = new PendingSends({ newClientMsgId: () => "fixed" });
  const entry = pending.add({ text: "hi", chatId: 3, sender: "ann" });
  assert.deepEqual(pendingSendFrame(entry), {
    type: "newMessageFromClient",
    payload: { text: "hi", sender: "ann", chatId: 3, clientMsgId: "fixed" },
    ref: "fixed",
  });
});
