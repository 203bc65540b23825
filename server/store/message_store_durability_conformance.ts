/**
 * The durability part of the MessageStore conformance suite: what commitLater()
 * promises (a commit is read outside transactions only once durable, one commit
 * in flight at a time) and that a failed transaction leaves nothing behind.
 * Registered by message_store_conformance.ts for every implementation.
 *
 * Invariant: asserts only what message_store.ts promises.
 * @module
 */

import { expect, test } from "bun:test";
import type { MessageStore, StoredMessage } from "./message_store.ts";
import { testMessage } from "../../common/testing/message_fixture.ts";

export type WithStoreAsync = (fn: (store: MessageStore) => Promise<void>) => Promise<void>;

const message = (nodeId: number, seq: number, fields: Partial<StoredMessage> = {}) => ({
  ...testMessage(nodeId, seq, { sender: "alice", ...fields }),
  held: false,
  hidden: false,
});

const chat = { chatId: 12, name: "room", named: true, createdAt: "2026-01-01T00:00:00.000Z" };

/** The suite's durability cases. */
export function describeDurabilityCases(withStore: WithStoreAsync): void {
  test("commitLater() is read outside a transaction only once durable", () =>
    withStore(async (store) => {
      store.insertMessage(message(1, 1));
      const commit = store.commitLater(() => {
        store.insertMessage(message(1, 2, { clientMsgId: "c2" }));
        store.setMessageState(1, 1, { held: false, hidden: true });
        store.putChat({ ...chat, createdLc: 0, createdBy: 1 });
        // Reads inside the transaction see its writes.
        expect(store.getMessage(1, 2)?.text).toBe("text 1/2");
        return "value";
      });
      expect(commit.value).toBe("value");
      expect(store.getMessage(1, 2)).toBeNull();
      expect(store.history({ limit: 10 }).map((m) => m.seq)).toEqual([1]);
      expect(store.readAfter(1, 0, 10).map((m) => m.seq)).toEqual([1]);
      expect(store.findCopies("alice", "c2")).toEqual([]);
      expect(store.contiguousMarks()).toEqual(new Map([[1, 1]]));
      expect(store.listChats()).toEqual([]);
      await commit.durable;
      expect(store.getMessage(1, 2)?.text).toBe("text 1/2");
      expect(store.history({ limit: 10 }).map((m) => m.seq)).toEqual([2]);
      expect(store.contiguousMarks()).toEqual(new Map([[1, 2]]));
      expect(store.listChats().map((c) => c.chatId)).toEqual([12]);
    }));

  test("commitLater(): chat members, renames, token names and updates are read once durable", () =>
    withStore(async (store) => {
      store.insertMessage(message(1, 1));
      const commit = store.commitLater(() => {
        store.putChat({
          ...chat,
          chatId: 9_000_000_012,
          createdLc: 0,
          createdBy: 1,
          members: ["ann", "bob"],
          creator: "ann",
          renamed: { at: "2026-01-02T00:00:00.000Z", lc: 1, by: 1 },
        });
        store.putTokenName("ann");
        store.insertUpdate({ nodeId: 1, seq: 1, messageNodeId: 1, messageSeq: 1, held: false });
        store.reviseMessage(1, 1, {
          text: "edited",
          deleted: false,
          edit: { dateTime: "2026-01-02T00:00:00.000Z", lc: 0, nodeId: 1 },
        });
      });
      expect(store.listChats()).toEqual([]);
      expect(store.listTokenNames()).toEqual([]);
      expect(store.updateMarks()).toEqual(new Map());
      expect(store.getMessage(1, 1)?.text).toBe("text 1/1");
      await commit.durable;
      expect(store.listChats()).toMatchObject([
        { chatId: 9_000_000_012, members: ["ann", "bob"], creator: "ann", renamed: { lc: 1 } },
      ]);
      expect(store.listTokenNames()).toEqual(["ann"]);
      expect(store.updateMarks()).toEqual(new Map([[1, 1]]));
      expect(store.getMessage(1, 1)?.text).toBe("edited");
    }));

  describeFailureCases(withStore);
}

/** Writes refused while a commit is in flight, and a transaction that throws. */
function describeFailureCases(withStore: WithStoreAsync): void {
  test("commitLater(): no write starts before the commit is durable", () =>
    withStore(async (store) => {
      const commit = store.commitLater(() => store.insertMessage(message(1, 1)));
      expect(() => store.insertMessage(message(1, 2))).toThrow(/not durable yet/);
      expect(() => store.transaction(() => store.insertMessage(message(1, 2)))).toThrow(
        /not durable yet/,
      );
      expect(() => store.commitLater(() => 0)).toThrow(/not durable yet/);
      await commit.durable;
      store.insertMessage(message(1, 2));
      expect(store.countMessages()).toBe(2);
    }));

  test("a transaction that throws leaves nothing behind, and the next one works", () =>
    withStore(async (store) => {
      store.insertMessage(message(1, 1));
      expect(() =>
        store.transaction(() => {
          store.insertMessage(message(1, 2));
          store.reviseMessage(1, 1, { text: "changed", deleted: false });
          throw new Error("boom");
        })
      ).toThrow("boom");
      expect(() =>
        store.commitLater(() => {
          store.insertMessage(message(1, 3));
          throw new Error("boom again");
        })
      ).toThrow("boom again");
      const commit = store.commitLater(() => store.insertMessage(message(1, 2)));
      expect(commit.value).toBe(true);
      await commit.durable;
      expect(store.readAfter(1, 0, 10).map((m) => `${m.seq} ${m.text}`)).toEqual([
        "1 text 1/1",
        "2 text 1/2",
      ]);
    }));
}
