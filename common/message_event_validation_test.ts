import { test } from "node:test";
import assert from "node:assert/strict";
import { parseClientFrame } from "./client_frame_validation.ts";
import { parseSearchQuery } from "./message_event_validation.ts";

const frame = (type: string, payload?: unknown) => JSON.stringify({ type, payload, ref: "r" });
const ID = "7000000000001";

test("parseClientFrame() accepts the section 7 frames", () => {
  const table: Array<[string, unknown]> = [
    [frame("editMessage", { messageId: ID, text: "new" }), { messageId: ID, text: "new" }],
    [frame("deleteMessage", { messageId: ID }), { messageId: ID }],
    [frame("typing", { chatId: 11 }), { chatId: 11 }],
    [frame("search", { q: "café" }), { q: "café" }],
    [
      frame("search", { q: "x", chatId: 0, limit: 100, before: ID }),
      { q: "x", chatId: 0, limit: 100, before: ID },
    ],
    [
      frame("clientSyncRequest", { since: { "7": 3 }, updatesSince: { "7": 1 } }),
      { since: { "7": 3 }, updatesSince: { "7": 1 } },
    ],
  ];
  for (const [text, payload] of table) {
    const parsed = parseClientFrame(text);
    assert.ok(parsed.ok, text);
    if (parsed.ok) assert.deepEqual(parsed.value.payload, payload, text);
  }
});

test("parseClientFrame() holds the section 7 limits with bad_frame and the ref", () => {
  const table: string[] = [
    frame("editMessage", { messageId: ID, text: "" }),
    frame("editMessage", { messageId: ID, text: "x".repeat(4001) }),
    frame("editMessage", { messageId: "abc", text: "x" }),
    frame("editMessage", { text: "x" }),
    frame("editMessage", { messageId: ID, text: "\ud800" }),
    frame("deleteMessage", {}),
    frame("deleteMessage", { messageId: 7000000000001 }),
    frame("typing", {}),
    frame("typing", { chatId: -1 }),
    frame("search", { q: "" }),
    frame("search", { q: "x".repeat(201) }),
    frame("search", { q: "x", limit: 0 }),
    frame("search", { q: "x", limit: 101 }),
    frame("search", { q: "x", limit: 1.5 }),
    frame("search", { q: "x", chatId: "11" }),
    frame("search", { q: "x", before: "nope" }),
    frame("search", []),
    frame("clientSyncRequest", { updatesSince: { "7": 1 } }),
    frame("clientSyncRequest", { since: {}, updatesSince: { x: 1 } }),
  ];
  for (const text of table) {
    assert.deepEqual(parseClientFrame(text), {
      ok: false,
      error: {
        code: "bad_frame",
        message: (parseClientFrame(text) as { error: { message: string } }).error.message,
      },
      ref: "r",
    }, text);
  }
  assert.ok(parseClientFrame(frame("search", { q: "x".repeat(200), limit: 1 })).ok);
  assert.ok(parseClientFrame(frame("editMessage", { messageId: ID, text: "😀".repeat(4000) })).ok);
});

test("parseSearchQuery() reads GET /api/search parameters like the search frame", () => {
  const ok = (query: string) => parseSearchQuery(new URLSearchParams(query));
  assert.deepEqual(ok("q=caf%C3%A9&chatId=11&limit=5&before=" + ID), {
    ok: true,
    value: { q: "café", chatId: 11, limit: 5, before: ID },
  });
  assert.deepEqual(ok("q=x&chatId=&limit="), { ok: true, value: { q: "x" } });
  for (
    const bad of ["", "q=", "q=x&limit=101", "q=x&limit=abc", "q=x&chatId=-1", "q=x&before=1.5"]
  ) {
    assert.equal(ok(bad).ok, false, bad);
  }
});
