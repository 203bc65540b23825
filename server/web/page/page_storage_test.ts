import { afterEach, expect, test } from "bun:test";
import { chatIdFromUrl, loadPendingSends, savePendingSends } from "./page_storage.ts";

const globals = globalThis as { sessionStorage?: unknown };

/** A sessionStorage that holds one value per key, as the browser's does. */
function fakeStorage(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
    values,
  };
}

afterEach(() => {
  delete globals.sessionStorage;
});

test("chatIdFromUrl() reads ?chat=ID and falls back to chat 11", () => {
  expect(chatIdFromUrl("?chat=42")).toBe(42);
  expect(chatIdFromUrl("?chat=0")).toBe(0);
  for (const search of ["", "?chat=", "?chat=-1", "?chat=1e3", "?chat=99999999999999999"]) {
    expect(chatIdFromUrl(search)).toBe(11);
  }
});

test("savePendingSends() and loadPendingSends() keep the well-formed sends across a reload", () => {
  const storage = fakeStorage();
  globals.sessionStorage = storage;
  const send = { clientMsgId: "a1", chatId: 3, sender: "ann", text: "hi", queuedAtMs: 5 };
  savePendingSends([send]);
  expect(loadPendingSends(9)).toEqual([send]);
  storage.values.set(
    "dsatter.pending",
    JSON.stringify([{ ...send, queuedAtMs: "x" }, { ...send, chatId: -1 }, null, 7]),
  );
  expect(loadPendingSends(9)).toEqual([{ ...send, queuedAtMs: 9 }]);
  savePendingSends([]);
  expect(storage.values.has("dsatter.pending")).toBe(false);
});

test("loadPendingSends() gives nothing, never an error, for garbage or no storage", () => {
  globals.sessionStorage = fakeStorage({ "dsatter.pending": "{not json" });
  expect(loadPendingSends(1)).toEqual([]);
  delete globals.sessionStorage;
  expect(loadPendingSends(1)).toEqual([]);
  savePendingSends([{ clientMsgId: "a", chatId: 1, sender: "s", text: "t", queuedAtMs: 1 }]);
});
