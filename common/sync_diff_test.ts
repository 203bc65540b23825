import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChatMessage } from "./protocol.ts";
import { testMessage } from "./testing/message_fixture.ts";
import { buildSyncPage, pageEnds } from "./sync_diff.ts";
import { encodeListFrames, PEER_FRAME_MAX_BYTES, utf8ByteLength } from "./peer_protocol.ts";

const message = (nodeId: number, seq: number, text = "hi"): ChatMessage =>
  testMessage(nodeId, seq, { text, dateTime: "2026-11-25T09:00:00.000Z" });

/** A store holding seqs per origin (possibly with holes). */
function storeOf(held: Record<number, number[]>) {
  return (origin: number, afterSeq: number, limit: number) =>
    (held[origin] ?? []).filter((seq) => seq > afterSeq).slice(0, limit).map((seq) =>
      message(origin, seq)
    );
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

test("buildSyncPage() sends what the requester lacks, origin by origin, in seq order", () => {
  const page = buildSyncPage({
    responderVector: new Map([[1, 3], [2, 2], [3, 1]]),
    requesterVector: new Map([[1, 1], [3, 5]]),
    readAfter: storeOf({ 1: range(1, 3), 2: range(1, 2), 3: [1] }),
  });
  assert.deepEqual(page.messages.map((m) => [m.nodeId, m.seq]), [[1, 2], [1, 3], [2, 1], [2, 2]]);
  assert.equal(page.more, false);
});

test("buildSyncPage() leaves out the origins the requester asked to skip", () => {
  const page = buildSyncPage({
    responderVector: new Map([[1, 3], [2, 2]]),
    requesterVector: new Map(),
    readAfter: storeOf({ 1: range(1, 3), 2: range(1, 2) }),
    skipOrigins: new Set([1]),
  });
  assert.deepEqual(page.messages.map((m) => [m.nodeId, m.seq]), [[2, 1], [2, 2]]);
  assert.equal(page.more, false);
});

test("buildSyncPage() pages by message count and by bytes, and paging covers everything", () => {
  const store = storeOf({ 1: range(1, 1000), 2: range(1, 10) });
  const responderVector = new Map([[1, 1000], [2, 10]]);
  for (const bound of [{ maxMessages: 7 }, { maxBytes: 3000 }, {}]) {
    const requester = new Map<number, number>();
    const got: string[] = [];
    for (let round = 0; round < 1000; round++) {
      const page = buildSyncPage({
        responderVector,
        requesterVector: requester,
        readAfter: store,
        ...bound,
      });
      for (const m of page.messages) {
        assert.equal(m.seq, (requester.get(m.nodeId) ?? 0) + 1, "contiguous from the mark");
        requester.set(m.nodeId, m.seq);
        got.push(m.messageId);
      }
      if (!page.more) break;
      assert.ok(page.messages.length > 0, "a page with more is never empty");
    }
    assert.equal(got.length, 1010, JSON.stringify(bound));
    assert.equal(new Set(got).size, 1010);
  }
});

test("buildSyncPage() stops an origin at a hole and never passes its own mark", () => {
  const page = buildSyncPage({
    responderVector: new Map([[1, 6]]),
    requesterVector: new Map(),
    readAfter: storeOf({ 1: [1, 2, 4, 5, 6, 7, 8] }),
  });
  assert.deepEqual(page.messages.map((m) => m.seq), [1, 2]);
  const capped = buildSyncPage({
    responderVector: new Map([[1, 2]]),
    requesterVector: new Map(),
    readAfter: storeOf({ 1: range(1, 9) }),
  });
  assert.deepEqual(capped.messages.map((m) => m.seq), [1, 2]);
});

test("buildSyncPage() always fits one frame, even with the largest messages", () => {
  const big = "😀".repeat(4000);
  const page = buildSyncPage({
    responderVector: new Map([[1, 50]]),
    requesterVector: new Map(),
    readAfter: (origin, after, limit) =>
      range(after + 1, Math.min(50, after + limit)).map((seq) => message(origin, seq, big)),
  });
  assert.ok(page.more && page.messages.length >= 1);
  const frames = encodeListFrames("syncReply", "messages", page.messages, {
    extra: () => ({ requestId: 1, more: true }),
  });
  assert.equal(frames.length, 1);
  assert.ok(utf8ByteLength(frames[0]) <= PEER_FRAME_MAX_BYTES);
});

test("buildSyncPage() reads little past what fits on the page", () => {
  let read = 0;
  const store = storeOf({ 1: range(1, 20_000) });
  const page = buildSyncPage({
    responderVector: new Map([[1, 20_000]]),
    requesterVector: new Map(),
    readAfter: (origin, afterSeq, limit) => {
      const batch = store(origin, afterSeq, limit);
      read += batch.length;
      return batch;
    },
    maxBytes: 300_000,
    maxMessages: 50_000,
  });
  assert.equal(page.more, true);
  assert.ok(page.messages.length > 1000, `${page.messages.length} messages`);
  assert.ok(read - page.messages.length <= 64, `read ${read} for ${page.messages.length}`);
});

test("pageEnds() gives each origin's highest seq", () => {
  assert.deepEqual(
    pageEnds([message(1, 4), message(1, 5), message(2, 9)]),
    new Map([[1, 5], [2, 9]]),
  );
});
