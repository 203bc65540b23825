import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChatMessage } from "./protocol.ts";
import { testMessage } from "./testing/message_fixture.ts";
import { LOGICAL_COUNTER_MAX } from "./hybrid_logical_clock.ts";
import {
  encodeListFrames,
  encodePeerFrame,
  parsePeerFrame,
  PEER_FRAME_MAX_BYTES,
  PeerFrameType,
  utf8ByteLength,
} from "./peer_protocol.ts";

const message = (nodeId: number, seq: number, text = "hello"): ChatMessage =>
  testMessage(nodeId, seq, { text, dateTime: "2026-11-25T09:00:00.000Z", lc: seq });

test("parsePeerFrame() accepts every frame type it encodes", () => {
  const frames = [
    { type: PeerFrameType.hello, payload: { nodeId: 3, acceptProof: "ab" } },
    { type: PeerFrameType.messages, payload: { messages: [message(3, 1)] } },
    { type: PeerFrameType.syncRequest, payload: { requestId: 1, vector: { "3": 7 } } },
    { type: PeerFrameType.syncRequest, payload: { requestId: 2, vector: {}, skip: [3, 9] } },
    { type: PeerFrameType.syncReply, payload: { requestId: 1, messages: [], more: false } },
    { type: PeerFrameType.chats, payload: { chats: [{ chatId: 5, name: "five", named: true }] } },
    {
      type: PeerFrameType.presence,
      payload: {
        members: [{ name: "ann", chatIds: null }, { name: "bob", chatIds: [11] }],
        done: true,
      },
    },
    { type: PeerFrameType.ping, payload: {} },
  ];
  for (const frame of frames) {
    const parsed = parsePeerFrame(encodePeerFrame(frame.type, frame.payload));
    assert.deepEqual(parsed, { ok: true, value: frame }, frame.type);
  }
});

test("parsePeerFrame() refuses malformed frames as values", () => {
  const bad = message(3, 1);
  const cases: [string, string][] = [
    ["not json", "bad_json"],
    ["[]", "bad_frame"],
    ['{"type":"peerPing"}', "bad_frame"],
    ['{"type":"nope","payload":{}}', "unknown_type"],
    [encodePeerFrame("peerHello", { nodeId: -1 }), "bad_frame"],
    [encodePeerFrame("syncRequest", { requestId: 1, vector: { x: 1 } }), "bad_frame"],
    [encodePeerFrame("syncRequest", { requestId: 1, vector: {}, skip: [-1] }), "bad_frame"],
    [encodePeerFrame("syncRequest", { requestId: 1, vector: {}, skip: 3 }), "bad_frame"],
    [encodePeerFrame("syncReply", { requestId: 1, messages: [] }), "bad_frame"],
    [encodePeerFrame("peerMessages", { messages: [{ ...bad, messageId: "12" }] }), "bad_frame"],
    [encodePeerFrame("peerMessages", { messages: [{ ...bad, text: "" }] }), "bad_frame"],
    [encodePeerFrame("peerMessages", { messages: [{ ...bad, dateTime: "today" }] }), "bad_frame"],
    [encodePeerFrame("peerMessages", { messages: [{ ...bad, seq: 0 }] }), "bad_frame"],
    [
      encodePeerFrame("peerPresence", { members: [{ name: "", chatIds: null }], done: true }),
      "bad_frame",
    ],
    [
      encodePeerFrame("peerPresence", { members: [{ name: "a", chatIds: [-1] }], done: true }),
      "bad_frame",
    ],
    [encodePeerFrame("peerChats", { chats: [{ chatId: 1 }] }), "bad_frame"],
  ];
  for (const [text, code] of cases) {
    const parsed = parsePeerFrame(text);
    assert.equal(parsed.ok, false, text);
    assert.equal(!parsed.ok && parsed.error.code, code, text);
  }
});

test("parsePeerFrame() refuses what the contract calls malformed, not only what breaks types", () => {
  const good = message(3, 1);
  const cases: [string, Record<string, unknown>][] = [
    ["a lone surrogate in the text", { text: "a\ud800b" }],
    ["a lone surrogate in the sender", { sender: "\udc00" }],
    ["a lone surrogate in the clientMsgId", { clientMsgId: "x\ud800" }],
    ["a messageId with leading zeros", { messageId: "0" + good.messageId }],
    ["the 13th month", { dateTime: "2026-13-01T00:00:00.000Z" }],
    ["February 30th", { dateTime: "2026-02-30T10:00:00.000Z" }],
    ["hour 24", { dateTime: "2026-01-01T24:00:00.000Z" }],
    ["a logical counter past LOGICAL_COUNTER_MAX", { lc: LOGICAL_COUNTER_MAX + 1 }],
    ["a seq past what a messageId holds", { seq: 10 ** 12, messageId: "3" + "0".repeat(12) }],
  ];
  for (const [what, change] of cases) {
    const text = encodePeerFrame("peerMessages", { messages: [{ ...good, ...change }] });
    assert.equal(parsePeerFrame(text).ok, false, what);
  }
  for (
    const [what, payload] of [
      ["a chat name", { chats: [{ chatId: 5, name: "\ud800" }] }],
      ["a presence name", { members: [{ name: "a\udc00", chatIds: null }], done: true }],
    ] as const
  ) {
    const type = "chats" in payload ? "peerChats" : "peerPresence";
    assert.equal(parsePeerFrame(encodePeerFrame(type, payload)).ok, false, what);
  }
  assert.ok(
    parsePeerFrame(
      encodePeerFrame("peerMessages", { messages: [{ ...good, lc: LOGICAL_COUNTER_MAX }] }),
    ).ok,
  );
});

test("encodeListFrames() splits under the byte bound and keeps every item once, in order", () => {
  const messages = Array.from({ length: 2000 }, (_, i) => message(4, i + 1, "é€😀".repeat(20)));
  const frames = encodeListFrames(PeerFrameType.messages, "messages", messages);
  assert.ok(frames.length > 1);
  const seqs: number[] = [];
  for (const frame of frames) {
    assert.ok(utf8ByteLength(frame) <= PEER_FRAME_MAX_BYTES, `frame of ${utf8ByteLength(frame)}`);
    assert.equal(utf8ByteLength(frame), new TextEncoder().encode(frame).length);
    const parsed = parsePeerFrame(frame);
    assert.ok(parsed.ok && parsed.value.type === PeerFrameType.messages);
    for (const m of parsed.value.payload.messages) seqs.push(m.seq);
  }
  assert.deepEqual(seqs, messages.map((m) => m.seq));
});

test("encodeListFrames() marks only the last frame done and sends one frame for no items", () => {
  const members = Array.from({ length: 3000 }, (_, i) => ({ name: `n-${i}`, chatIds: [1, 2, 3] }));
  const frames = encodeListFrames(PeerFrameType.presence, "members", members, {
    extra: (isLast) => ({ done: isLast }),
  });
  assert.ok(frames.length > 1);
  const dones = frames.map((f) => JSON.parse(f).payload.done);
  assert.deepEqual(dones, [...dones.slice(0, -1).map(() => false), true]);
  const empty = encodeListFrames(PeerFrameType.presence, "members", [], {
    extra: (isLast) => ({ done: isLast }),
  });
  assert.deepEqual(empty.map((f) => JSON.parse(f)), [
    { type: "peerPresence", payload: { members: [], done: true } },
  ]);
});
