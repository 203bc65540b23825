import { test } from "node:test";
import assert from "node:assert/strict";
import { testMessage } from "./testing/message_fixture.ts";
import { encodePackedFrames, packedMessageJson, parsePackedRuns } from "./packed_messages.ts";
import { parsePeerFrame, PeerFrameType } from "./peer_protocol.ts";
import type { ReplicatedMessage } from "./peer_update_protocol.ts";
import { utf8ByteLength } from "./utf8_length.ts";

const EDIT = { dateTime: "2026-01-02T00:00:00.000Z", lc: 3, nodeId: 9 };

/** The shapes a replicated message takes: plain, with clientMsgId, edited, deleted. */
function shapes(): ReplicatedMessage[] {
  return [
    testMessage(7, 1),
    testMessage(7, 2, { clientMsgId: "c-2", text: 'é ünïcode 🎉 "quoted"' }),
    { ...testMessage(7, 3, { text: "edited" }), edit: EDIT, editedAt: EDIT.dateTime },
    { ...testMessage(7, 4, { text: "" }), deleted: true },
    { ...testMessage(7, 5, { text: "" }), deleted: true, edit: EDIT },
    testMessage(8, 1, { chatId: 12 }),
  ];
}

const runsOf = (frame: string) =>
  (JSON.parse(frame) as { payload: { runs: unknown } }).payload.runs;

test("encodePackedFrames() then parsePackedRuns() gives back every message as it was", () => {
  const messages = shapes();
  const [frame] = encodePackedFrames(PeerFrameType.messages, messages, { maxBytes: 60_000 });
  assert.deepEqual(parsePackedRuns(runsOf(frame)), { ok: true, value: messages });
  // Through the peer frame parser, as a link reads it.
  assert.deepEqual(parsePeerFrame(frame), {
    ok: true,
    value: { type: PeerFrameType.messages, payload: { messages } },
  });
});

test("encodePackedFrames() puts consecutive seqs of one origin in one run", () => {
  const messages = [testMessage(7, 4), testMessage(7, 5), testMessage(7, 9), testMessage(2, 1)];
  const [frame] = encodePackedFrames("t", messages, { maxBytes: 60_000 });
  const runs = runsOf(frame) as unknown[][];
  assert.deepEqual(runs.map((run) => [run[0], run[1], run.length - 2]), [
    [7, 4, 2],
    [7, 9, 1],
    [2, 1, 1],
  ]);
  // No field names and no messageId on the wire: well under the object form's bytes.
  const objects = JSON.stringify(messages);
  assert.ok(utf8ByteLength(frame) < 0.75 * utf8ByteLength(objects), frame);
});

test("encodePackedFrames() keeps every frame under maxBytes, splitting runs, with extra fields", () => {
  const messages = Array.from(
    { length: 300 },
    (_, i) => testMessage(7, i + 1, { text: `message ${i} `.repeat(5) }),
  );
  const frames = encodePackedFrames(PeerFrameType.syncReply, messages, {
    maxBytes: 4096,
    extra: (isLast) => ({ requestId: 3, more: isLast, ...(isLast ? {} : { last: false }) }),
  });
  assert.ok(frames.length > 5);
  const parsed: ReplicatedMessage[] = [];
  frames.forEach((frame, index) => {
    assert.ok(utf8ByteLength(frame) <= 4096, `frame ${index}: ${utf8ByteLength(frame)} bytes`);
    const reply = parsePeerFrame(frame);
    assert.ok(reply.ok && reply.value.type === PeerFrameType.syncReply);
    const isLast = index === frames.length - 1;
    assert.equal(reply.value.payload.last, isLast ? undefined : false);
    assert.equal(reply.value.payload.more, isLast);
    parsed.push(...reply.value.payload.messages);
  });
  assert.deepEqual(parsed, messages);
});

test("parsePackedRuns() refuses whatever parseReplicatedMessage refuses, saying where", () => {
  const good = JSON.parse(packedMessageJson(testMessage(7, 1))) as unknown[];
  const cases: Array<[unknown, string]> = [
    ["runs", "runs must be an array"],
    [[[7]], "run 0: not [nodeId, seq, ...]"],
    [[[-1, 1, good]], "run 0: bad nodeId"],
    [[[7, 0, good]], "run 0: bad seq"],
    [[[7, 999_999_999_999, good, good]], "run 0: bad seq"],
    [[[7, 1, good, [11, "x"]]], "run 0 message 1: message must be an array of 6 to 8 fields"],
    [[[7, 1, [-1, ...good.slice(1)]]], "run 0 message 0: bad chatId"],
    [[[7, 1, [11, "", ...good.slice(2)]]], "run 0 message 0: bad text"],
    [[[7, 1, [11, "x".repeat(4001), ...good.slice(2)]]], "run 0 message 0: bad text"],
    [[[7, 1, [11, "x", "", ...good.slice(3)]]], "run 0 message 0: bad sender"],
    [[[7, 1, [11, "x", "s", "yesterday", 0, null]]], "run 0 message 0: bad dateTime"],
    [[[7, 1, [...good.slice(0, 4), -2, null]]], "run 0 message 0: bad lc"],
    [[[7, 1, [...good.slice(0, 5), 5]]], "run 0 message 0: bad clientMsgId"],
    [[[7, 1, [...good.slice(0, 6), ["x", 0, 1]]]], "run 0 message 0: bad edit"],
    [[[7, 1, [...good.slice(0, 6), null, 2]]], "run 0 message 0: bad deleted"],
    // What main's contract checks added: real instants, a bounded lc, valid Unicode.
    [
      [[7, 1, [11, "x", "s", "2026-02-30T00:00:00.000Z", 0, null]]],
      "run 0 message 0: bad dateTime",
    ],
    [[[7, 1, [...good.slice(0, 4), 2 ** 31, null]]], "run 0 message 0: bad lc"],
    [[[7, 1, [11, "\ud800", ...good.slice(2)]]], "run 0 message 0: bad text"],
    [[[7, 1, [11, "x", "s\udfff", ...good.slice(3)]]], "run 0 message 0: bad sender"],
    [
      [[7, 1, [...good.slice(0, 6), ["2026-01-01T24:00:00.000Z", 0, 1]]]],
      "run 0 message 0: bad edit",
    ],
    [[[7, 1, [...good.slice(0, 6), [good[3], 2 ** 31, 1]]]], "run 0 message 0: bad edit"],
  ];
  for (const [runs, message] of cases) {
    const parsed = parsePackedRuns(runs);
    assert.equal(parsed.ok, false, JSON.stringify(runs));
    if (!parsed.ok) assert.equal(parsed.error.message, message);
  }
});

test("packedMessageJson() encodes a message object once", () => {
  const message = testMessage(7, 1);
  assert.equal(packedMessageJson(message), packedMessageJson(message));
  assert.equal(
    packedMessageJson(message),
    '[11,"text 7/1","ann","2026-01-01T00:00:01.000Z",0,null]',
  );
});
