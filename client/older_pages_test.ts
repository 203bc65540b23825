import { test } from "node:test";
import assert from "node:assert/strict";
import type { HistoryOptions } from "../sdk/chat_session.ts";
import { testMessage } from "../sdk/testing/test_message.ts";
import { OlderPages } from "./older_pages.ts";

function msg(seq: number) {
  return testMessage(1, seq);
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
  assert.deepEqual((await pages.next(read, 2)).map((m) => m.text), ["m1.3", "m1.4"]);
  await pages.next(read, 2);
  pages.reset();
  await pages.next(read, 2);
  assert.deepEqual(asked, [
    { before: msg(5).messageId, limit: 2 },
    { before: msg(3).messageId, limit: 2 },
    { before: undefined, limit: 2 },
  ]);
});
