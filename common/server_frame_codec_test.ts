import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChatMessage, ServerFrame } from "./protocol.ts";
import { encodeMessageId } from "./message_id.ts";
import { messageJson } from "./message_json.ts";
import { decodeServerFrame, encodeServerFrame } from "./server_frame_codec.ts";

function message(seq: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return {
    messageId: encodeMessageId(3, seq),
    nodeId: 3,
    seq,
    chatId: 11,
    text: `m${seq}`,
    sender: "ann",
    dateTime: "2026-01-01T00:00:00.000Z",
    lc: seq,
    ...extra,
  };
}

const EVERY_FRAME: ServerFrame[] = [
  { type: "newMessagesForClient", payload: [message(1, { clientMsgId: "c1" })], source: 3 },
  { type: "clientMessageResponse", payload: { clientMsgId: "c1", messageId: "3000000000001" } },
  { type: "clientSyncReply", payload: [message(1), message(2)], ref: "h1", source: 3 },
  { type: "clientSyncReply", payload: [], more: true, vector: { "3": 2 }, ref: "r1" },
  { type: "welcome", payload: { nodeId: 3, vector: { "3": 2, "4": 1 } }, source: 3, ref: "" },
  { type: "chatCreated", payload: { chatId: 12, name: "twelve" }, ref: "c" },
  {
    type: "chatList",
    payload: [{ chatId: 11, name: "chat 11", lastMessageAt: "2026-01-01T00:00:00.000Z" }],
  },
  { type: "chatList", payload: [{ chatId: 12, name: "twelve" }], more: true, ref: "l2" },
  { type: "presenceList", payload: [{ name: "ann", nodeId: 3 }] },
  { type: "presence", payload: { name: "ann", nodeId: 3, online: false }, source: 3 },
  { type: "error", payload: { code: "rate_limited", message: "slow down" }, ref: "c1" },
  {
    type: "messageUpdated",
    payload: { ...message(4, { text: "" }), deleted: true, duplicateOf: "3000000000001" },
  },
  {
    type: "messageUpdated",
    payload: { ...message(5), editedAt: "2026-01-01T00:00:09.000Z" },
  },
  { type: "typing", payload: { chatId: 11, name: "ann", nodeId: 3 } },
  { type: "searchResults", payload: [message(2), message(1)], ref: "s" },
  { type: "searchResults", payload: [message(2)], more: true, before: "3000000000002", ref: "s2" },
  {
    type: "clientSyncReply",
    payload: [],
    vector: { "3": 2 },
    updated: [{ ...message(1), text: "", deleted: true }],
    updates: { "3": 4 },
  },
  { type: "welcome", payload: { nodeId: 3, vector: { "3": 2 }, updates: { "3": 1 } } },
];

test("decodeServerFrame() gives back every frame encodeServerFrame() wrote", () => {
  for (const frame of EVERY_FRAME) {
    assert.deepEqual(decodeServerFrame(encodeServerFrame(frame)), { ok: true, frame }, frame.type);
  }
});

test("encodeServerFrame() writes the live frame with the message's one shared encoding", () => {
  const live = message(7);
  const text = encodeServerFrame({ type: "newMessagesForClient", payload: [live], source: 3 });
  assert.equal(text, `{"type":"newMessagesForClient","payload":[${messageJson(live)}],"source":3}`);
  assert.equal(text, JSON.stringify({ type: "newMessagesForClient", payload: [live], source: 3 }));
});

test("decodeServerFrame() turns what is not a usable frame into a value, never a throw", () => {
  const cases: [string, string][] = [
    ["not json", "not_json"],
    ["[]", "not_a_frame"],
    ['{"payload":[]}', "not_a_frame"],
    ['{"type":"shiny","payload":{}}', "unknown_type"],
    ['{"type":"toString","payload":{}}', "unknown_type"],
    ['{"type":"newMessagesForClient","payload":[]}', "bad_payload"],
    ['{"type":"welcome","payload":{"nodeId":1,"vector":{"x":1}}}', "bad_payload"],
    ['{"type":"clientSyncReply","payload":[{"seq":1}],"ref":"h1"}', "bad_payload"],
    ['{"type":"clientSyncReply","payload":[],"more":"yes"}', "bad_payload"],
    ['{"type":"presence","payload":{"name":"ann","nodeId":1}}', "bad_payload"],
    ['{"type":"error","payload":{"message":"no code"}}', "bad_payload"],
    [
      '{"type":"clientMessageResponse","payload":{"clientMsgId":"c","messageId":"x"}}',
      "bad_payload",
    ],
  ];
  for (const [text, reason] of cases) {
    const decoded = decodeServerFrame(text);
    assert.equal(decoded.ok, false, text);
    if (!decoded.ok) assert.equal(decoded.error.reason, reason, text);
  }
  const withRef = decodeServerFrame('{"type":"chatList","payload":{},"ref":"l1"}');
  assert.ok(!withRef.ok && withRef.error.ref === "l1" && withRef.error.type === "chatList");
});

test("decodeServerFrame() drops unknown fields and an unusable source, keeps unknown error codes", () => {
  const decoded = decodeServerFrame(
    '{"type":"error","payload":{"code":"token_expired","message":"m","x":1},"source":"n","y":2}',
  );
  assert.deepEqual(decoded, {
    ok: true,
    frame: { type: "error", payload: { code: "token_expired", message: "m" } },
  });
});
