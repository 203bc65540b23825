import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChatTimeline, createChatTimeline } from "./chat_timeline.ts";
import type { PendingSend } from "./pending_sends.ts";
import { type SendAck, SendTracker } from "./send_tracker.ts";

function send(clientMsgId: string, chatId = 11): PendingSend {
  return { clientMsgId, chatId, text: `text ${clientMsgId}`, sender: "ann", queuedAtMs: 0 };
}

function setup(pendingRows = true) {
  const timelines = new Map<number, ChatTimeline>();
  const timeline = (chatId: number) => {
    if (!timelines.has(chatId)) timelines.set(chatId, createChatTimeline());
    return timelines.get(chatId)!;
  };
  return { tracker: new SendTracker({ timeline, pendingRows }), timeline, timelines };
}

/** A promise's outcome as it stands, read after the microtasks have run. */
function watch(promise: Promise<SendAck>): () => Promise<string> {
  let outcome = "pending";
  promise.then(
    (ack) => void (outcome = `ack ${ack.messageId}`),
    (error: Error) => void (outcome = `refused: ${error.message}`),
  );
  return async () => {
    await new Promise((resolve) => setTimeout(resolve, 0)); // every queued microtask runs first
    return outcome;
  };
}

test("SendTracker resolves a send once on its acknowledgement and marks its row", async () => {
  const { tracker, timeline } = setup();
  const a = send("a");
  tracker.showPending([a]);
  const promise = tracker.wait("a");
  const outcome = watch(promise);
  assert.equal(await outcome(), "pending");
  tracker.acknowledged(a, "1000000000001");
  assert.deepEqual(await promise, { clientMsgId: "a", messageId: "1000000000001" });
  const [row] = timeline(11).entries();
  assert.equal(row.kind === "pending" && row.pending.messageId, "1000000000001");
  // A second acknowledgement (a resend acknowledged again) changes nothing.
  tracker.acknowledged(a, "2000000000001");
  assert.equal(tracker.waitingCount, 0);
});

test("SendTracker rejects a refused send with the node's reason and marks its row", async () => {
  const { tracker, timeline } = setup();
  const b = send("b", 12);
  tracker.showPending([b]);
  const outcome = watch(tracker.wait("b"));
  tracker.refused(b, "forbidden: not a member");
  assert.equal(
    await outcome(),
    "refused: Cannot send message: the node refused it (forbidden: not a member)",
  );
  const [row] = timeline(12).entries();
  assert.equal(row.kind === "pending" && row.pending.failure, "forbidden: not a member");
  tracker.acknowledged(b, "1000000000002"); // too late: the promise stays rejected
  assert.equal(tracker.waitingCount, 0);
});

test("SendTracker rejectAll() rejects every waiting send once, and later outcomes are ignored", async () => {
  const { tracker } = setup();
  const outcomes = ["c", "d"].map((id) => watch(tracker.wait(id)));
  tracker.rejectAll(new Error("Cannot send message: closed"));
  for (const outcome of outcomes) {
    assert.equal(await outcome(), "refused: Cannot send message: closed");
  }
  tracker.acknowledged(send("c"), "1000000000003");
  assert.equal(tracker.waitingCount, 0);
});

test("SendTracker shows pending rows once each, and none when timelines are off", () => {
  const on = setup();
  on.tracker.showPending([send("e"), send("f", 13)]);
  on.tracker.showPending([send("e")]);
  assert.equal(on.timeline(11).entries().length, 1);
  assert.equal(on.timeline(13).entries().length, 1);
  const off = setup(false);
  off.tracker.showPending([send("g")]);
  assert.equal(off.timelines.size, 0);
});
