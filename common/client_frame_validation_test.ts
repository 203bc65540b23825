import { test } from "node:test";
import assert from "node:assert/strict";
import {
  charLength,
  isWellFormedText,
  parseChatIdParam,
  parseClientFrame,
  refOfFrame,
  validatePostMessageBody,
} from "./client_frame_validation.ts";

const frame = (type: unknown, payload?: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type, payload, ...extra });
const msg = (fields: Record<string, unknown>) =>
  frame("newMessageFromClient", { text: "hi", sender: "ann", chatId: 11, ...fields });

test("parseClientFrame() accepts every frame type of the contract", () => {
  const table: Array<[string, unknown]> = [
    [msg({}), { type: "newMessageFromClient", payload: { text: "hi", sender: "ann", chatId: 11 } }],
    [msg({ clientMsgId: "c1" }), {
      type: "newMessageFromClient",
      payload: { text: "hi", sender: "ann", chatId: 11, clientMsgId: "c1" },
    }],
    [frame("clientSyncRequest", []), { type: "clientSyncRequest", payload: {} }],
    [frame("clientSyncRequest", { chatId: 0, since: { "1": 4 }, limit: 1000 }), {
      type: "clientSyncRequest",
      payload: { chatId: 0, since: { "1": 4 }, limit: 1000 },
    }],
    [frame("clientSyncRequest", { before: "1000000000005", limit: 1 }), {
      type: "clientSyncRequest",
      payload: { before: "1000000000005", limit: 1 },
    }],
    [frame("hello", { name: "ann" }), { type: "hello", payload: { name: "ann" } }],
    [frame("subscribe", { chatIds: null }), { type: "subscribe", payload: { chatIds: null } }],
    [frame("subscribe", { chatIds: [1, 11, 1] }), {
      type: "subscribe",
      payload: { chatIds: [1, 11] },
    }],
    [frame("createChat", { name: "general" }), {
      type: "createChat",
      payload: { name: "general" },
    }],
    [frame("createChat", { name: "team", private: true, members: ["bob", "cy", "bob"] }), {
      type: "createChat",
      payload: { name: "team", private: true, members: ["bob", "cy"] },
    }],
    [frame("createChat", { name: "solo", private: true }), {
      type: "createChat",
      payload: { name: "solo", private: true },
    }],
    [frame("createChat", { name: "open", private: false }), {
      type: "createChat",
      payload: { name: "open" },
    }],
    [frame("listChats", {}), { type: "listChats", payload: {} }],
    [frame("listChats", []), { type: "listChats", payload: {} }],
    [frame("listChats", { limit: 1000, after: 11 }), {
      type: "listChats",
      payload: { limit: 1000, after: 11 },
    }],
    [frame("presence", {}), { type: "presence", payload: {} }],
    [frame("presence", { chatId: 3 }), { type: "presence", payload: { chatId: 3 } }],
  ];
  for (const [text, expected] of table) {
    assert.deepEqual(parseClientFrame(text), { ok: true, value: expected }, text);
  }
});

test("parseClientFrame() ignores unknown keys and echoes ref", () => {
  const parsed = parseClientFrame(msg({ extra: true }).replace("{", '{"id":3,"ref":"r-1",'));
  assert.ok(parsed.ok);
  if (parsed.ok) assert.equal(parsed.value.ref, "r-1");
});

test("parseClientFrame() names bad JSON, bad frames and unknown types", () => {
  const table: Array<[string, string]> = [
    ["", "bad_json"],
    ["{", "bad_json"],
    ["not json", "bad_json"],
    ["null", "bad_frame"],
    ["[]", "bad_frame"],
    ["42", "bad_frame"],
    ['"hello"', "bad_frame"],
    ["{}", "bad_frame"],
    [frame(5, {}), "bad_frame"],
    [frame(null, {}), "bad_frame"],
    [frame("nope", {}), "unknown_type"],
    [frame("newMessagesForClient", []), "unknown_type"],
    [frame("hello", {}, { ref: 5 }), "bad_frame"],
  ];
  for (const [text, code] of table) {
    const parsed = parseClientFrame(text);
    assert.equal(parsed.ok, false, text);
    if (!parsed.ok) {
      assert.equal(parsed.error.code, code, text);
      assert.ok(parsed.error.message.length > 0);
    }
  }
});

test("parseClientFrame() rejects every out-of-range or mistyped field", () => {
  const bad: string[] = [
    frame("newMessageFromClient", undefined),
    frame("newMessageFromClient", []),
    frame("newMessageFromClient", "text"),
    msg({ text: "" }),
    msg({ text: "x".repeat(4001) }),
    msg({ text: 5 }),
    msg({ text: null }),
    msg({ text: undefined }),
    msg({ sender: "" }),
    msg({ sender: "s".repeat(65) }),
    msg({ sender: ["ann"] }),
    msg({ text: "a\uD800b" }),
    msg({ text: "\uDC00" }),
    msg({ sender: "ann\uD800" }),
    msg({ clientMsgId: "id\uD800" }),
    msg({ clientMsgId: "id\uDC00" }),
    frame("hello", { name: "\uDBFF" }),
    frame("createChat", { name: "x\uDFFFy" }),
    msg({ chatId: -1 }),
    msg({ chatId: 1.5 }),
    msg({ chatId: "11" }),
    msg({ chatId: 2 ** 53 }),
    msg({ chatId: null }),
    msg({ chatId: undefined }),
    msg({ clientMsgId: "" }),
    msg({ clientMsgId: "c".repeat(65) }),
    msg({ clientMsgId: 7 }),
    frame("clientSyncRequest", [1]),
    frame("clientSyncRequest", "x"),
    frame("clientSyncRequest", { chatId: -5 }),
    frame("clientSyncRequest", { since: [] }),
    frame("clientSyncRequest", { since: { a: 1 } }),
    frame("clientSyncRequest", { since: { "1": -1 } }),
    frame("clientSyncRequest", { before: 5 }),
    frame("clientSyncRequest", { before: "abc" }),
    frame("clientSyncRequest", { before: "1000000000001", since: {} }),
    frame("clientSyncRequest", { limit: 0 }),
    frame("clientSyncRequest", { limit: 1001 }),
    frame("clientSyncRequest", { limit: 2.5 }),
    frame("clientSyncRequest", { limit: "10" }),
    frame("hello", {}),
    frame("hello", { name: "" }),
    frame("hello", { name: "n".repeat(65) }),
    frame("hello", "ann"),
    frame("subscribe", {}),
    frame("subscribe", { chatIds: "all" }),
    frame("subscribe", { chatIds: [1, -1] }),
    frame("subscribe", { chatIds: [1.5] }),
    frame("subscribe", { chatIds: new Array(10_001).fill(1) }),
    frame("createChat", {}),
    frame("createChat", { name: "" }),
    frame("createChat", { name: "   " }),
    frame("createChat", { name: "n".repeat(101) }),
    frame("createChat", { name: "t", private: "yes" }),
    frame("createChat", { name: "t", members: ["bob"] }),
    frame("createChat", { name: "t", private: true, members: "bob" }),
    frame("createChat", { name: "t", private: true, members: [""] }),
    frame("createChat", { name: "t", private: true, members: ["n".repeat(65)] }),
    frame("createChat", { name: "t", private: true, members: new Array(1001).fill("a") }),
    frame("listChats", 5),
    frame("listChats", { limit: 0 }),
    frame("listChats", { limit: 1001 }),
    frame("listChats", { after: -1 }),
    frame("listChats", { after: "11" }),
    frame("presence", { chatId: "x" }),
    frame("presence", 7),
  ];
  for (const text of bad) {
    const parsed = parseClientFrame(text);
    assert.equal(parsed.ok, false, text.slice(0, 120));
    if (!parsed.ok) assert.equal(parsed.error.code, "bad_frame", text.slice(0, 120));
  }
});

test("refOfFrame() finds the ref of any JSON object frame, and nothing else", () => {
  assert.equal(refOfFrame('{"type":"bogus","ref":"r-9"}'), "r-9");
  assert.equal(refOfFrame('{"ref":5}'), undefined);
  assert.equal(refOfFrame("not json"), undefined);
  assert.equal(refOfFrame('["ref"]'), undefined);
  assert.equal(refOfFrame(new Uint8Array([123, 125])), undefined);
});

test("parseClientFrame() takes a ref of any length", () => {
  const long = "x".repeat(10_000);
  const parsed = parseClientFrame(frame("hello", { name: "a" }, { ref: long }));
  assert.equal(parsed.ok && parsed.value.ref, long);
});

test("parseClientFrame() keeps the ref on errors", () => {
  const parsed = parseClientFrame(frame("hello", {}, { ref: "abc" }));
  assert.deepEqual(parsed.ok ? null : parsed.ref, "abc");
});

test("isWellFormedText() refuses lone surrogates and keeps pairs", () => {
  assert.equal(isWellFormedText("plain"), true);
  assert.equal(isWellFormedText("emoji \u{1F600} ok"), true);
  assert.equal(isWellFormedText("\uFFFD"), true);
  assert.equal(isWellFormedText("a\uD800"), false);
  assert.equal(isWellFormedText("\uDC00a"), false);
  assert.equal(isWellFormedText("\uDE00\uD83D"), false);
});

test("parseClientFrame() names the lone surrogate, so a client knows why", () => {
  const parsed = parseClientFrame(
    JSON.stringify({
      type: "newMessageFromClient",
      payload: { chatId: 1, sender: "s", text: "t", clientMsgId: "id\uD800" },
    }),
  );
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.match(parsed.error.message, /clientMsgId must be valid Unicode text/);
});

test("charLength() counts code points, so 4000 emoji fit", () => {
  assert.equal(charLength("😀".repeat(4000)), 4000);
  assert.ok(parseClientFrame(msg({ text: "😀".repeat(4000) })).ok);
  assert.ok(!parseClientFrame(msg({ text: "😀".repeat(4001) })).ok);
  assert.equal(charLength(""), 0);
  assert.equal(charLength("abc"), 3);
});

test("validatePostMessageBody() validates the REST body with the path's chat id", () => {
  assert.deepEqual(validatePostMessageBody({ text: "t", sender: "s", clientMsgId: "c" }, 4), {
    ok: true,
    value: { text: "t", sender: "s", chatId: 4, clientMsgId: "c" },
  });
  for (
    const body of [null, [], "x", {}, { text: "t" }, { sender: "s" }, { text: 1, sender: "s" }]
  ) {
    const parsed = validatePostMessageBody(body, 4);
    assert.equal(parsed.ok, false, JSON.stringify(body));
  }
  assert.equal(validatePostMessageBody({ text: "t", sender: "s" }, -1).ok, false);
});

test("parseChatIdParam() takes only canonical decimal ids", () => {
  assert.equal(parseChatIdParam("0"), 0);
  assert.equal(parseChatIdParam("11"), 11);
  for (const bad of ["", "-1", "01", "1.5", "abc", "1e3", "99999999999999999"]) {
    assert.equal(parseChatIdParam(bad), null, bad);
  }
});
