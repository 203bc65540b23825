/**
 * The MessageStore conformance suite: one set of bun:test cases that every
 * implementation must pass (memory_message_store_test.ts and
 * sqlite_message_store_test.ts run it).
 *
 * Invariant: it asserts only what the interface promises, never an
 * implementation detail.
 * @module
 */

import { describe, expect, test } from "bun:test";
import { testMessage } from "../../common/testing/message_fixture.ts";
import type { MessageStore, StoredMessage } from "./message_store.ts";
import { describeEventCases } from "./message_store_events_conformance.ts";
import { describeDurabilityCases } from "./message_store_durability_conformance.ts";

/** A stored message with defaults; seconds offsets keep canonical order readable. */
export function storedMessage(
  nodeId: number,
  seq: number,
  fields: Partial<StoredMessage> & { second?: number } = {},
): StoredMessage {
  const { held = false, hidden = false, ...message } = fields;
  return { ...testMessage(nodeId, seq, { sender: "alice", ...message }), held, hidden };
}

const ids = (messages: Array<{ nodeId: number; seq: number }>) =>
  messages.map((m) => `${m.nodeId}/${m.seq}`);

type WithStore = (fn: (store: MessageStore) => void) => void;

/** Registers the suite for one implementation; `open` makes a fresh, empty store. */
export function describeMessageStoreConformance(name: string, open: () => MessageStore): void {
  const withStore: WithStore = (fn) => {
    const store = open();
    try {
      fn(store);
    } finally {
      store.close();
    }
  };
  const withStoreAsync = async (fn: (store: MessageStore) => Promise<void>) => {
    const store = open();
    try {
      await fn(store);
    } finally {
      store.close();
    }
  };
  describe(`${name} conforms to MessageStore`, () => {
    messageTests(withStore);
    stateTests(withStore);
    describeEventCases(withStore);
    describeDurabilityCases(withStoreAsync);
  });
}

/** Messages: storing, hiding and holding, reading them back. */
function messageTests(withStore: WithStore): void {
  test("insertMessage() stores once per (nodeId, seq)", () =>
    withStore((store) => {
      expect(store.insertMessage(storedMessage(1, 1, { clientMsgId: "c1" }))).toBe(true);
      expect(store.insertMessage(storedMessage(1, 1, { text: "other" }))).toBe(false);
      const got = store.getMessage(1, 1)!;
      expect(got.text).toBe("text 1/1");
      expect(got.clientMsgId).toBe("c1");
      expect(got.messageId).toBe("1000000000001");
      expect(store.getMessage(1, 2)).toBeNull();
      expect(store.countMessages()).toBe(1);
    }));

  test("held and hidden messages stay out of history and since, not out of readAfter", () =>
    withStore((store) => {
      store.insertMessage(storedMessage(1, 1));
      store.insertMessage(storedMessage(1, 2, { hidden: true }));
      store.insertMessage(storedMessage(1, 4, { held: true }));
      expect(ids(store.history({ limit: 10 }))).toEqual(["1/1"]);
      expect(ids(store.readAfter(1, 0, 10))).toEqual(["1/1", "1/2"]);
      expect(store.contiguousMarks()).toEqual(new Map([[1, 2]]));
      expect(store.heldKeys()).toEqual([{ nodeId: 1, seq: 4 }]);
      store.insertMessage(storedMessage(1, 3));
      store.setMessageState(1, 4, { held: false, hidden: false });
      expect(store.contiguousMarks()).toEqual(new Map([[1, 4]]));
      expect(store.heldKeys()).toEqual([]);
      expect(ids(store.history({ limit: 10 }))).toEqual(["1/1", "1/3", "1/4"]);
    }));

  test("findVisibleByClientMsgId() finds only the visible copy", () =>
    withStore((store) => {
      store.insertMessage(storedMessage(2, 1, { clientMsgId: "x", hidden: true }));
      expect(store.findVisibleByClientMsgId("alice", "x")).toBeNull();
      store.insertMessage(storedMessage(1, 1, { clientMsgId: "x" }));
      expect(store.findVisibleByClientMsgId("alice", "x")?.nodeId).toBe(1);
      expect(store.findVisibleByClientMsgId("bob", "x")).toBeNull();
    }));

  test("history() pages backwards in canonical order, per chat or all", () =>
    withStore((store) => {
      // Same second for 1/1 and 2/1: lc then nodeId decide.
      store.insertMessage(storedMessage(2, 1, { second: 5, lc: 0 }));
      store.insertMessage(storedMessage(1, 1, { second: 5, lc: 0 }));
      store.insertMessage(storedMessage(1, 2, { second: 5, lc: 1 }));
      store.insertMessage(storedMessage(1, 3, { second: 6, chatId: 12 }));
      store.insertMessage(storedMessage(2, 2, { second: 7 }));
      expect(ids(store.history({ limit: 100 }))).toEqual(["1/1", "2/1", "1/2", "1/3", "2/2"]);
      expect(ids(store.history({ limit: 2 }))).toEqual(["1/3", "2/2"]);
      expect(ids(store.history({ chatId: 11, limit: 2 }))).toEqual(["1/2", "2/2"]);
      const before = store.getMessage(1, 2)!;
      expect(ids(store.history({ chatId: 11, before, limit: 10 }))).toEqual(["1/1", "2/1"]);
      expect(ids(store.history({ chatId: 99, limit: 10 }))).toEqual([]);
    }));

  test("readSince() reads per origin between the marks, limit + 1 each", () =>
    withStore((store) => {
      for (let seq = 1; seq <= 5; seq++) store.insertMessage(storedMessage(1, seq));
      store.insertMessage(storedMessage(2, 1, { chatId: 12 }));
      store.insertMessage(storedMessage(2, 2));
      const got = store.readSince({
        since: new Map([[1, 2]]),
        upTo: new Map([[1, 5], [2, 2]]),
        limit: 1,
      });
      expect(ids(got)).toEqual(["1/3", "1/4", "2/1", "2/2"]);
      const chat = store.readSince({
        chatId: 12,
        since: new Map(),
        upTo: new Map([[1, 4], [2, 2]]),
        limit: 10,
      });
      expect(ids(chat)).toEqual(["2/1"]);
    }));

  test("history() and readSince() across chats keep to the reader's scope", () =>
    withStore((store) => {
      store.insertMessage(storedMessage(1, 1, { chatId: 11 }));
      store.insertMessage(storedMessage(1, 2, { chatId: 9_000_000_001 }));
      store.insertMessage(storedMessage(1, 3, { chatId: 9_000_000_002 }));
      store.insertMessage(storedMessage(1, 4, { chatId: 12 }));
      const scope = { excludeMin: 9_000_000_000, excludeMax: 9_999_999_999, except: [] };
      expect(ids(store.history({ limit: 10, scope }))).toEqual(["1/1", "1/4"]);
      const member = { ...scope, except: [9_000_000_002] };
      expect(ids(store.history({ limit: 10, scope: member }))).toEqual(["1/1", "1/3", "1/4"]);
      expect(ids(store.history({ limit: 1, scope }))).toEqual(["1/4"]);
      const upTo = new Map([[1, 4]]);
      expect(ids(store.readSince({ since: new Map(), upTo, limit: 10, scope }))).toEqual([
        "1/1",
        "1/4",
      ]);
      expect(ids(store.readSince({ since: new Map(), upTo, limit: 10, scope: member })))
        .toEqual(["1/1", "1/3", "1/4"]);
    }));
}

/** The rest of a node's state: the clock's resume point, chats, identity, transactions. */
function stateTests(withStore: WithStore): void {
  test("lastStamp() is the highest (dateTime, lc) of any state", () =>
    withStore((store) => {
      expect(store.lastStamp()).toBeNull();
      store.insertMessage(storedMessage(1, 1, { second: 3, lc: 2 }));
      store.insertMessage(storedMessage(1, 2, { second: 3, lc: 7, held: true }));
      store.insertMessage(storedMessage(2, 1, { second: 1, lc: 9 }));
      expect(store.lastStamp()).toEqual({ dateTime: "2026-01-01T00:00:03.000Z", lc: 7 });
    }));

  test("chats: put, get, touch only moves forward, list by id", () =>
    withStore((store) => {
      const base = { named: true, createdAt: "2026-01-01T00:00:00.000Z", createdLc: 0 };
      store.putChat({ chatId: 20, name: "b", createdBy: 1, ...base });
      store.putChat({ chatId: 3, name: "a", createdBy: 1, ...base });
      store.touchChat(20, "2026-01-02T00:00:00.000Z");
      store.touchChat(20, "2026-01-01T12:00:00.000Z");
      expect(store.getChat(20)?.lastMessageAt).toBe("2026-01-02T00:00:00.000Z");
      expect(store.getChat(4)).toBeNull();
      expect(store.listChats().map((c) => c.chatId)).toEqual([3, 20]);
      store.putChat({ chatId: 3, name: "renamed", createdBy: 2, ...base, named: false });
      expect(store.getChat(3)).toMatchObject({ name: "renamed", named: false, createdBy: 2 });
      expect(store.getChat(3)?.creator).toBeUndefined();
      const renamed = { at: "2026-01-03T00:00:00.000Z", lc: 4, by: 7 };
      store.putChat({ chatId: 5, name: "Ops", createdBy: 1, ...base, creator: "ann", renamed });
      expect(store.getChat(5)).toMatchObject({ name: "Ops", creator: "ann", renamed });
    }));

  test("chats: a private chat keeps its members; token names are a grow-only set", () =>
    withStore((store) => {
      const base = { named: true, createdAt: "2026-01-01T00:00:00.000Z", createdLc: 0 };
      store.putChat({ chatId: 9_000_000_001, name: "p", createdBy: 1, ...base, members: ["a"] });
      store.putChat({ chatId: 3, name: "a", createdBy: 1, ...base });
      expect(store.getChat(9_000_000_001)?.members).toEqual(["a"]);
      expect(store.getChat(3)?.members).toBeUndefined();
      expect(store.listTokenNames()).toEqual([]);
      store.putTokenName("ann");
      store.putTokenName("ann");
      store.putTokenName("bob");
      expect(store.listTokenNames().sort()).toEqual(["ann", "bob"]);
    }));

  test("identity: absent, then saved", () =>
    withStore((store) => {
      expect(store.loadIdentity()).toBeNull();
      store.saveIdentity({ nodeId: 1234567, password: "", origin: "local" });
      expect(store.loadIdentity()).toEqual({ nodeId: 1234567, password: "", origin: "local" });
    }));

  test("transaction() returns the function's value and applies its writes", () =>
    withStore((store) => {
      const inserted = store.transaction(() => {
        store.insertMessage(storedMessage(1, 1));
        return store.transaction(() => store.insertMessage(storedMessage(1, 2)));
      });
      expect(inserted).toBe(true);
      expect(store.countMessages()).toBe(2);
    }));
}
