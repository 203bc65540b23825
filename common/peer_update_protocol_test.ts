import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePeerFrame } from "./peer_protocol.ts";
import { PeerUpdateFrameType, revisionOfUpdate, updateOf } from "./peer_update_protocol.ts";

const EDIT = { dateTime: "2026-01-01T00:00:00.000Z", lc: 1, nodeId: 2 };
const ID = "7000000000001";
const peerFrame = (type: string, payload: unknown) => JSON.stringify({ type, payload });

test("parsePeerFrame() accepts the update, sync and typing frames", () => {
  const update = updateOf(2, 1, ID, { text: "new", edit: EDIT, deleted: false });
  const tombstone = updateOf(2, 2, ID, { text: "", deleted: true });
  const frames: Array<[string, unknown]> = [
    [PeerUpdateFrameType.updates, { updates: [update, tombstone] }],
    [PeerUpdateFrameType.syncRequest, { requestId: 4, vector: { "2": 2 } }],
    [PeerUpdateFrameType.syncReply, { requestId: 4, updates: [update], more: false }],
    [PeerUpdateFrameType.typing, { chatId: 11, name: "ann", nodeId: 2 }],
  ];
  for (const [type, payload] of frames) {
    assert.deepEqual(parsePeerFrame(peerFrame(type, payload)), {
      ok: true,
      value: { type, payload },
    });
  }
  assert.deepEqual(revisionOfUpdate(tombstone), { text: "", deleted: true });
});

test("parsePeerFrame() refuses inconsistent revisions and bad typing", () => {
  const bad: Array<[string, unknown]> = [
    [PeerUpdateFrameType.updates, { updates: [{ nodeId: 2, seq: 1, messageId: ID, text: "" }] }],
    [PeerUpdateFrameType.updates, {
      updates: [{ nodeId: 2, seq: 1, messageId: ID, text: "x", deleted: true }],
    }],
    [PeerUpdateFrameType.updates, {
      updates: [{ nodeId: 2, seq: 0, messageId: ID, text: "x" }],
    }],
    [PeerUpdateFrameType.updates, {
      updates: [{ nodeId: 2, seq: 1, messageId: ID, text: "x", edit: { dateTime: "now" } }],
    }],
    [PeerUpdateFrameType.typing, { chatId: 11, name: "", nodeId: 2 }],
    [PeerUpdateFrameType.syncReply, { requestId: 1, updates: [] }],
    // What the contract calls malformed, as for messages (common/chat_message.ts):
    [PeerUpdateFrameType.updates, {
      updates: [updateOf(2, 1, ID, { text: "a\ud800", deleted: false })],
    }],
    [PeerUpdateFrameType.updates, {
      updates: [
        updateOf(2, 1, ID, {
          text: "x",
          edit: { ...EDIT, dateTime: "2026-02-30T00:00:00.000Z" },
          deleted: false,
        }),
      ],
    }],
    [PeerUpdateFrameType.updates, {
      updates: [
        updateOf(2, 1, ID, { text: "x", edit: { ...EDIT, lc: 2 ** 53 - 1 }, deleted: false }),
      ],
    }],
  ];
  for (const [type, payload] of bad) {
    assert.equal(parsePeerFrame(peerFrame(type, payload)).ok, false, JSON.stringify(payload));
  }
});

test("parsePeerFrame() takes replicated messages with their revision", () => {
  const message = {
    messageId: ID,
    nodeId: 7,
    seq: 1,
    chatId: 11,
    sender: "ann",
    dateTime: "2026-01-01T00:00:00.000Z",
    lc: 0,
  };
  const tombstone = { ...message, text: "", deleted: true, edit: EDIT };
  const parsed = parsePeerFrame(peerFrame("peerMessages", { messages: [tombstone] }));
  assert.deepEqual(parsed, {
    ok: true,
    value: { type: "peerMessages", payload: { messages: [tombstone] } },
  });
  assert.equal(
    parsePeerFrame(peerFrame("peerMessages", { messages: [{ ...message, text: "" }] })).ok,
    false,
  );
});
