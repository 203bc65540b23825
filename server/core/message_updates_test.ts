/**
 * The core's side of edits and deletes, on a memory store with a recording
 * publisher: who may change what, the update log's own numbering, updates that
 * arrive before their message, one revision for every copy of a send, and the
 * duplicateOf event on both sides of a duplicate.
 */
import { describe, expect, test } from "bun:test";
import { encodeMessageId } from "../../common/message_id.ts";
import type { ReplicatedUpdate } from "../../common/peer_update_protocol.ts";
import type { ChatMessage, MessageUpdatePayload } from "../../common/protocol.ts";
import { MemoryMessageStore } from "../store/memory_message_store.ts";
import { MetricsRegistry, registerNodeMetrics } from "../observability/metrics_registry.ts";
import { ChatNode } from "./chat_node.ts";
import { testMessage } from "../../common/testing/message_fixture.ts";
import { ALL_CHATS_TOPIC } from "./delivery_topics.ts";
import { ANONYMOUS } from "./chat_access.ts";

function setup(nodeId = 5) {
  const toReaders: Array<
    { chatId: number; frame: { type: string; payload: MessageUpdatePayload } }
  > = [];
  const live: ChatMessage[] = [];
  const node = new ChatNode({
    store: new MemoryMessageStore(),
    nodeId,
    metrics: registerNodeMetrics(new MetricsRegistry()),
    publisher: {
      publish: (topic, data) => {
        if (topic === ALL_CHATS_TOPIC) live.push(JSON.parse(data).payload[0]);
      },
      publishToReaders: (chatId, data) => toReaders.push({ chatId, frame: JSON.parse(data) }),
    },
  });
  const localUpdates: ReplicatedUpdate[] = [];
  node.updates.onLocalUpdated((updates) => localUpdates.push(...updates));
  return { node, toReaders, live, localUpdates };
}

const remote = (nodeId: number, seq: number, fields: Partial<ChatMessage> = {}): ChatMessage =>
  testMessage(nodeId, seq, { text: `r ${nodeId}/${seq}`, sender: "bob", ...fields });

const EDIT = { dateTime: "2026-06-01T00:00:00.000Z", lc: 0, nodeId: 9 };

describe("ChatNode edits and deletes", () => {
  test("changeMessage() lets only the sender edit or delete, and numbers updates apart", async () => {
    const { node, toReaders, localUpdates } = setup();
    const { message } = await node.sendLocal({ text: "hi", sender: "ann", chatId: 11 });
    const id = message.messageId;
    expect(
      await node.updates.change({ kind: "edit", messageId: id, text: "x" }, {
        identity: ANONYMOUS,
        name: "bob",
      }),
    )
      .toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await node.updates.change({ kind: "delete", messageId: id }, { identity: ANONYMOUS }))
      .toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(
      await node.updates.change({ kind: "delete", messageId: encodeMessageId(5, 99) }, {
        identity: ANONYMOUS,
        name: "ann",
      }),
    ).toMatchObject({ ok: false, error: { code: "not_found" } });
    const edited = await node.updates.change({ kind: "edit", messageId: id, text: "hello" }, {
      identity: ANONYMOUS,
      name: "ann",
    }, 42);
    expect(edited).toMatchObject({ ok: true, message: { text: "hello", messageId: id } });
    expect(toReaders.map((r) => r.frame.payload.text)).toEqual(["hello"]);
    const deleted = await node.updates.change({ kind: "delete", messageId: id }, {
      identity: ANONYMOUS,
      name: "ann",
    });
    expect(deleted).toMatchObject({ ok: true, message: { text: "", deleted: true } });
    expect(
      await node.updates.change({ kind: "edit", messageId: id, text: "back" }, {
        identity: ANONYMOUS,
        name: "ann",
      }),
    )
      .toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(node.vector()).toEqual({ "5": 1 });
    expect(node.updates.vector()).toEqual({ "5": 2 });
    expect(localUpdates.map((u) => [u.seq, u.text, u.deleted])).toEqual([
      [1, "hello", undefined],
      [2, "", true],
    ]);
    expect(node.updates.readAfter(5, 0, 10).map((u) => u.deleted)).toEqual([true, true]);
  });

  test("an update that arrives before its message is kept and shows when the message comes", async () => {
    const { node, toReaders, live } = setup();
    await node.updates.acceptRemote([
      { nodeId: 9, seq: 2, messageId: encodeMessageId(7, 1), text: "edited", edit: EDIT },
    ]);
    expect(node.updates.vector()).toEqual({}); // seq 1 of origin 9 is still missing
    await node.acceptRemote([remote(7, 1)]);
    expect(live.map((m) => [m.text, m.editedAt])).toEqual([["edited", EDIT.dateTime]]);
    expect("edit" in live[0]).toBe(false);
    expect(toReaders).toEqual([]);
    await node.updates.acceptRemote([
      {
        nodeId: 9,
        seq: 1,
        messageId: encodeMessageId(7, 1),
        text: "older",
        edit: { ...EDIT, dateTime: "2026-05-01T00:00:00.000Z" },
      },
    ]);
    expect(node.updates.vector()).toEqual({ "9": 2 });
    expect(node.history({ limit: 10 })).toMatchObject({ messages: [{ text: "edited" }] });
  });

  test("every copy of one send shares its revision; both sides hear duplicateOf", async () => {
    const { node, toReaders } = setup(5);
    const { message: mine } = await node.sendLocal({
      text: "once",
      sender: "bob",
      chatId: 11,
      clientMsgId: "c",
    });
    // A lower copy from node 3 arrives: ours loses.
    await node.acceptRemote([remote(3, 1, { text: "once", clientMsgId: "c" })]);
    const duplicate = toReaders.find((r) => r.frame.payload.duplicateOf !== undefined)!;
    expect(duplicate.frame.payload).toMatchObject({
      messageId: mine.messageId,
      duplicateOf: encodeMessageId(3, 1),
    });
    // An edit of the hidden copy shows on the copy that stays.
    await node.updates.change({ kind: "edit", messageId: mine.messageId, text: "twice?" }, {
      identity: ANONYMOUS,
      name: "bob",
    });
    expect(node.history({ limit: 10 })).toMatchObject({
      messages: [{ messageId: encodeMessageId(3, 1), text: "twice?" }],
    });
    // A higher copy arriving later is hidden at once, and readers are told as well.
    await node.acceptRemote([remote(8, 1, { text: "once", clientMsgId: "c" })]);
    expect(toReaders.at(-1)!.frame.payload).toMatchObject({
      messageId: encodeMessageId(8, 1),
      duplicateOf: encodeMessageId(3, 1),
      text: "twice?",
    });
  });
});
