import { describe, expect, test } from "bun:test";
import { MAX_SEQ } from "../../common/message_id.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import { testMessage } from "../../common/testing/message_fixture.ts";
import {
  completeChat,
  isAcceptableRemote,
  isLowerKey,
  normalizeRemote,
  preferChat,
  type ReplicatedChat,
} from "./chat_rules.ts";

const key = (nodeId: number, seq: number) => ({ nodeId, seq });

function chat(fields: Partial<ReplicatedChat> = {}): ReplicatedChat {
  return {
    chatId: 4,
    name: "Plans",
    named: true,
    createdAt: "2026-01-01T00:00:00.000Z",
    createdLc: 0,
    createdBy: 2,
    ...fields,
  };
}

describe("chat rules", () => {
  test("isLowerKey() orders by nodeId, then seq", () => {
    const cases: Array<[[number, number], [number, number], boolean]> = [
      [[1, 9], [2, 1], true],
      [[2, 1], [1, 9], false],
      [[3, 4], [3, 5], true],
      [[3, 5], [3, 4], false],
      [[3, 4], [3, 4], false],
    ];
    for (const [a, b, lower] of cases) {
      expect({ a, b, lower: isLowerKey(key(...a), key(...b)) }).toEqual({ a, b, lower });
    }
  });

  test("preferChat() keeps the named chat, then the earliest, then the lower name, either way round", () => {
    const cases: Array<[string, ReplicatedChat, ReplicatedChat, "first" | "second"]> = [
      ["named beats implicit", chat({ named: false, name: "chat 4" }), chat(), "second"],
      ["earlier createdAt", chat({ createdAt: "2026-01-02T00:00:00.000Z" }), chat(), "second"],
      ["lower createdLc", chat({ createdLc: 3 }), chat({ createdLc: 1 }), "second"],
      ["lower createdBy", chat({ createdBy: 9 }), chat({ createdBy: 1 }), "second"],
      ["name decides last", chat({ name: "Zoo" }), chat({ name: "Apes" }), "second"],
      ["identical: the existing stays", chat(), chat(), "first"],
    ];
    for (const [name, first, second, winner] of cases) {
      const expected = winner === "first" ? first : second;
      expect({ name, kept: preferChat(first, second) }).toEqual({ name, kept: expected });
      if (winner === "second") {
        // Symmetric: the same chat wins whichever side holds it.
        expect({ name, kept: preferChat(second, first) }).toEqual({ name, kept: expected });
      }
    }
    const incoming = chat();
    expect(preferChat(undefined, incoming)).toBe(incoming);
  });

  test("isAcceptableRemote() takes a complete message and refuses every broken field", () => {
    const good = testMessage(2, 5, { clientMsgId: "c" });
    expect(isAcceptableRemote(good)).toBe(true);
    expect(isAcceptableRemote(testMessage(0, MAX_SEQ, { second: 0 }))).toBe(true);
    const broken: Array<[string, unknown]> = [
      ["null", null],
      ["a string", "message"],
      ["negative nodeId", { ...good, nodeId: -1 }],
      ["fractional nodeId", { ...good, nodeId: 1.5 }],
      ["seq 0", { ...good, seq: 0 }],
      ["seq past the id space", { ...good, seq: MAX_SEQ + 1 }],
      ["negative chatId", { ...good, chatId: -3 }],
      ["text not a string", { ...good, text: 5 }],
      ["sender missing", { ...good, sender: undefined }],
      ["dateTime in another format", { ...good, dateTime: "2026-01-01 00:00:00" }],
      ["negative lc", { ...good, lc: -1 }],
      ["clientMsgId not a string", { ...good, clientMsgId: 7 }],
    ];
    for (const [name, message] of broken) {
      expect({ name, ok: isAcceptableRemote(message as ChatMessage) }).toEqual({ name, ok: false });
    }
  });

  test("normalizeRemote() keeps the wire fields only and recomputes messageId", () => {
    const sent = {
      ...testMessage(2, 5, { clientMsgId: "c" }),
      messageId: "1", // a peer's word is not taken for it
      held: true,
      extra: "dropped",
    } as ChatMessage;
    const kept = normalizeRemote(sent);
    expect(kept).toEqual(testMessage(2, 5, { clientMsgId: "c" }));
    expect(Object.keys(kept)[0]).toBe("messageId"); // the contract's field order
    expect("clientMsgId" in normalizeRemote(testMessage(2, 6))).toBe(false);
  });

  test("normalizeRemote() keeps the revision: editedAt from the edit stamp, a deleted text gone", () => {
    const edit = { dateTime: "2026-01-01T00:01:00.000Z", lc: 2, nodeId: 3 };
    const edited = { ...testMessage(2, 7), edit, editedAt: "1999-01-01T00:00:00.000Z" };
    expect(normalizeRemote({ ...edited, duplicateOf: "9" } as ChatMessage)).toEqual({
      ...testMessage(2, 7),
      edit,
      editedAt: edit.dateTime,
    });
    const deleted = normalizeRemote({ ...edited, deleted: true } as ChatMessage);
    expect(deleted).toEqual({ ...testMessage(2, 7), text: "", deleted: true, edit });
    expect("editedAt" in deleted).toBe(false);
  });

  test("completeChat() fills missing tie-break fields so that they lose ties, refuses broken chats", () => {
    expect(completeChat({ chatId: 4, name: "Plans" })).toEqual({
      chatId: 4,
      name: "Plans",
      named: true,
      createdAt: "9999-12-31T23:59:59.999Z",
      createdLc: 0,
      createdBy: 0,
    });
    expect(completeChat({ chatId: 4, name: "chat 4" })?.named).toBe(false);
    expect(completeChat(chat())).toEqual(chat());
    const broken: Array<Partial<ReplicatedChat>> = [
      { name: "x" },
      { chatId: -1, name: "x" },
      { chatId: 1.5, name: "x" },
      { chatId: 4, name: "" },
      { chatId: 4 },
      null as unknown as Partial<ReplicatedChat>,
    ];
    for (const input of broken) expect(completeChat(input)).toBeNull();
  });
});
