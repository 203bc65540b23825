import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChatMessage } from "../common/protocol.ts";
import {
  formatMessageJson,
  formatMessageLine,
  formatMessageLines,
  formatTimestamp,
  nameColor,
  sanitizeForTerminal,
  shouldUseColor,
} from "./message_format.ts";

const message: ChatMessage = {
  messageId: "1000000000002",
  nodeId: 1,
  seq: 2,
  chatId: 11,
  text: "hi\x1b[2Jthere\nnext",
  sender: "alice",
  dateTime: "2026-11-25T09:05:03.120Z",
  lc: 0,
};

test("formatMessageLine() shows time, name and text without control characters", () => {
  const now = new Date("2026-11-25T12:00:00Z");
  assert.equal(
    formatMessageLine(message, { color: false, now, utcOffsetMinutes: 60 }),
    "[10:05:03] alice: hi\ufffd[2Jthere↵next",
  );
});

test("formatMessageLine() colours the name the same way every time", () => {
  const line = formatMessageLine(message, { color: true, utcOffsetMinutes: 0 });
  assert.ok(line.includes(`\x1b[1;38;5;${nameColor("alice")}malice\x1b[0m`));
  assert.equal(nameColor("alice"), nameColor("alice"));
});

test("formatMessageLines() wraps long text and indents it under the text, keeping line breaks", () => {
  const now = new Date("2026-11-25T12:00:00Z");
  const long = { ...message, text: "one two three four five six seven eight nine ten\nnext line" };
  const rows = formatMessageLines(long, { color: false, now, utcOffsetMinutes: 0, width: 40 });
  assert.deepEqual(rows, [
    "[09:05:03] alice: one two three four",
    "                  five six seven eight",
    "                  nine ten",
    "                  next line",
  ]);
  for (const row of rows) assert.ok(row.length <= 39, row);
  const edited = formatMessageLines({ ...message, text: "fixed" }, {
    color: false,
    now,
    utcOffsetMinutes: 0,
    width: 80,
    edited: true,
  });
  assert.deepEqual(edited, ["[09:05:03] alice: fixed (edited)"]);
  const deleted = formatMessageLines({ ...message, text: "", deleted: true }, {
    color: false,
    now,
    utcOffsetMinutes: 0,
    width: 80,
  });
  assert.deepEqual(deleted, ["[09:05:03] alice: (deleted)"]);
  const narrow = formatMessageLines({ ...message, text: "abcdefghijklmnop" }, {
    color: false,
    now,
    utcOffsetMinutes: 0,
    width: 24,
  });
  assert.deepEqual(narrow, ["[09:05:03] alice: abcde", "  fghijklmnop"]);
});

test("formatTimestamp() adds the date when the message is not from today", () => {
  const now = new Date("2026-11-26T10:00:00Z");
  assert.equal(
    formatTimestamp(message.dateTime, { color: false, now, utcOffsetMinutes: 0 }),
    "2026-11-25 09:05:03",
  );
});

test("formatMessageJson() writes exactly the contract's fields in order", () => {
  const extra = { ...message, clientMsgId: "c1", extra: true } as ChatMessage;
  assert.equal(
    formatMessageJson(extra),
    JSON.stringify({
      messageId: "1000000000002",
      nodeId: 1,
      seq: 2,
      chatId: 11,
      text: message.text,
      sender: "alice",
      dateTime: message.dateTime,
      lc: 0,
      clientMsgId: "c1",
    }),
  );
});

test("sanitizeForTerminal() keeps ordinary text and emoji", () => {
  assert.equal(sanitizeForTerminal("héllo 👋\tok"), "héllo 👋 ok");
});

test("shouldUseColor() honours NO_COLOR and non-terminals", () => {
  const env = (vars: Record<string, string>) => ({ get: (name: string) => vars[name] });
  assert.equal(shouldUseColor(env({}), true), true);
  assert.equal(shouldUseColor(env({ NO_COLOR: "1" }), true), false);
  assert.equal(shouldUseColor(env({ NO_COLOR: "" }), true), true);
  assert.equal(shouldUseColor(env({ TERM: "dumb" }), true), false);
  assert.equal(shouldUseColor(env({}), false), false);
});
