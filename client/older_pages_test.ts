import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChatMessage } from "../common/protocol.ts";
import { encodeMessageId } from "../common/message_id.ts";
import type { HistoryOptions } from "../sdk/chat_session.ts";
import { OlderPages } from "./older_pages.ts";

function msg(seq: number): ChatMessage {
  return {
    messageId: encodeMessageId(1, seq),
    nodeId: 1,
    seq,
    chatId: 11,
    text: `m${seq}`,
    sender: "ann",
    dateTime: `2026-01-01T00:00:${String(seq).padStart(2, "0")}.000Z`,
    lc: 0,
  };
}

test("OlderPages.next() pages back from the oldest message shown", async () => {
  const pages = new OlderPages();
  const asked: HistoryOptions[] = [];
  const read = (options: HistoryOptions) => {
    asked.push(options);
    return Promise.resolve({ messages: [msg(3), msg(4)], more: true });
  };
  pages.noteShown(msg(6), "history");
  pages.noteShown(msg(5), "history");
  pages.noteShown(msg(1), "live"); // live messages do not move the mark
  assert.deepEqual((await pages.next(read, 2)).map((m) => m.text), ["m3", "m4"]);
  await pages.next(read, 2);
  pages.reset();
  await pages.next(read, 2);
  assert.deepEqual(asked, [
    { before: msg(5).messageId, limit: 2 },
    { before: msg(3).messageId, limit: 2 },
    { before: undefined, limit: 2 },
  ]);
});
