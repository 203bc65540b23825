import { afterEach, expect, test } from "bun:test";
import { chatAddressFromUrl, loadPendingSends, savePendingSends } from "./page_storage.ts";

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

test("chatAddressFromUrl() reads ?chat=ID, chat 11 without one, and says back a bad one", () => {
  expect(chatAddressFromUrl("?chat=42")).toEqual({ chatId: 42 });
  expect(chatAddressFromUrl("?chat=0")).toEqual({ chatId: 0 });
  expect(chatAddressFromUrl("")).toEqual({ chatId: 11 });
  expect(chatAddressFromUrl("?other=1")).toEqual({ chatId: 11 });
  for (const bad of ["", "-1", "1e3", "99999999999999999", "abc"]) {
    expect(chatAddressFromUrl(`?chat=${bad}`)).toEqual({ chatId: 11, bad });
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
