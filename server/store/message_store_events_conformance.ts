/**
 * The MessageStore conformance cases of section 7: revisions (edits, deletes),
 * the update log, kept revisions and search. Registered by
 * describeMessageStoreConformance for every implementation.
 *
 * Invariant: asserts only what the interface promises.
 * @module
 */

import { expect, test } from "bun:test";
import { searchTermsOf } from "../../common/search_terms.ts";
import type { MessageStore } from "./message_store.ts";
import { storedMessage } from "./message_store_conformance.ts";

const EDIT = { dateTime: "2026-01-01T00:01:00.000Z", lc: 2, nodeId: 3 };
const texts = (messages: Array<{ text: string }>) => messages.map((m) => m.text);

export function describeEventCases(withStore: (fn: (store: MessageStore) => void) => void): void {
  test("reviseMessage() shows an edit everywhere a message is read", () =>
    withStore((store) => {
      store.insertMessage(storedMessage(1, 1, { text: "first" }));
      store.reviseMessage(1, 1, { text: "second", edit: EDIT, deleted: false });
      const [read] = store.history({ limit: 10 });
      expect(read).toMatchObject({ text: "second", editedAt: EDIT.dateTime });
      expect("edit" in read).toBe(false);
      expect(store.getMessage(1, 1)).toMatchObject({ text: "second", edit: EDIT });
      expect(store.readAfter(1, 0, 10)[0]).toMatchObject({ text: "second", edit: EDIT });
      const since = store.readSince({ since: new Map(), upTo: new Map([[1, 1]]), limit: 10 });
      expect(since[0]).toMatchObject({ text: "second", editedAt: EDIT.dateTime });
    }));

  test("reviseMessage() with a delete leaves a tombstone with no text", () =>
    withStore((store) => {
      store.insertMessage(storedMessage(1, 1, { text: "gone soon" }));
      store.reviseMessage(1, 1, { text: "", edit: EDIT, deleted: true });
      const [read] = store.history({ limit: 10 });
      expect(read).toMatchObject({ text: "", deleted: true });
      expect("editedAt" in read).toBe(false);
      expect(store.getMessage(1, 1)).toMatchObject({ text: "", deleted: true });
    }));

  test("insertMessage() of a deleted message stores it without text", () =>
    withStore((store) => {
      store.insertMessage(storedMessage(1, 1, { text: "never stored", deleted: true }));
      expect(store.getMessage(1, 1)).toMatchObject({ text: "", deleted: true });
    }));

  test("findCopies() lists every copy of (sender, clientMsgId), lowest first", () =>
    withStore((store) => {
      store.insertMessage(storedMessage(2, 1, { clientMsgId: "x", hidden: true }));
      store.insertMessage(storedMessage(1, 5, { clientMsgId: "x" }));
      store.insertMessage(storedMessage(1, 6, { clientMsgId: "x", sender: "bob" }));
      expect(store.findCopies("alice", "x").map((m) => `${m.nodeId}/${m.seq}`)).toEqual([
        "1/5",
        "2/1",
      ]);
      expect(store.findCopies("alice", "y")).toEqual([]);
    }));

  test("the update log is idempotent, held past gaps, read per origin", () =>
    withStore((store) => {
      const update = (nodeId: number, seq: number, held = false) => ({
        nodeId,
        seq,
        messageNodeId: 1,
        messageSeq: seq,
        held,
      });
      expect(store.insertUpdate(update(4, 1))).toBe(true);
      expect(store.insertUpdate(update(4, 1))).toBe(false);
      store.insertUpdate(update(4, 3, true));
      store.insertUpdate(update(5, 1));
      expect(store.updateMarks()).toEqual(new Map([[4, 1], [5, 1]]));
      expect(store.heldUpdateKeys()).toEqual([{ nodeId: 4, seq: 3 }]);
      store.insertUpdate(update(4, 2));
      store.setUpdateHeld(4, 3, false);
      expect(store.updateMarks()).toEqual(new Map([[4, 3], [5, 1]]));
      expect(store.readUpdatesAfter(4, 1, 10).map((u) => u.seq)).toEqual([2, 3]);
      expect(store.readUpdatesAfter(4, 0, 1)).toEqual([
        { nodeId: 4, seq: 1, messageNodeId: 1, messageSeq: 1 },
      ]);
    }));

  test("kept revisions: put, peek, take once", () =>
    withStore((store) => {
      expect(store.takePendingRevision(1, 1)).toBeNull();
      store.putPendingRevision(1, 1, { text: "early edit", edit: EDIT, deleted: false });
      expect(store.peekPendingRevision(1, 1)).toEqual({
        text: "early edit",
        edit: EDIT,
        deleted: false,
      });
      store.putPendingRevision(1, 1, { text: "", edit: EDIT, deleted: true });
      expect(store.pendingRevisionKeys()).toEqual([{ nodeId: 1, seq: 1 }]);
      expect(store.takePendingRevision(1, 1)).toEqual({ text: "", edit: EDIT, deleted: true });
      expect(store.takePendingRevision(1, 1)).toBeNull();
      expect(store.pendingRevisionKeys()).toEqual([]);
    }));

  test("search() matches words and prefixes, case- and accent-insensitive, newest first", () =>
    withStore((store) => {
      store.insertMessage(storedMessage(1, 1, { text: "Un Café, s'il vous plaît", second: 1 }));
      store.insertMessage(storedMessage(1, 2, { text: "cafeteria at noon", second: 2 }));
      store.insertMessage(storedMessage(2, 1, { text: "CAFE time", second: 3, chatId: 12 }));
      store.insertMessage(storedMessage(2, 2, { text: "tea only", second: 4 }));
      const search = (q: string, extra = {}) =>
        texts(store.search({ terms: searchTermsOf(q), limit: 10, ...extra }).messages);
      expect(search("cafe")).toEqual([
        "CAFE time",
        "cafeteria at noon",
        "Un Café, s'il vous plaît",
      ]);
      expect(search("CAFÉ")).toEqual(search("cafe"));
      expect(search("caf plait")).toEqual(["Un Café, s'il vous plaît"]);
      expect(search("noon cafeteria")).toEqual(["cafeteria at noon"]);
      expect(search("afe")).toEqual([]);
      expect(search("cafe", { chatId: 12 })).toEqual(["CAFE time"]);
      expect(search('" OR * (')).toEqual([]);
      expect(search("cafe", { accept: (m: { chatId: number }) => m.chatId !== 12 })).toEqual([
        "cafeteria at noon",
        "Un Café, s'il vous plaît",
      ]);
    }));

  test("search() pages with before and tells where to go on", () =>
    withStore((store) => {
      for (let seq = 1; seq <= 5; seq++) {
        store.insertMessage(storedMessage(1, seq, { text: `word ${seq}`, second: seq }));
      }
      const first = store.search({ terms: searchTermsOf("word"), limit: 2 });
      expect(texts(first.messages)).toEqual(["word 5", "word 4"]);
      expect(first.more).toBe(true);
      expect(first.next).toBe(first.messages[1].messageId);
      const second = store.search({
        terms: searchTermsOf("word"),
        limit: 3,
        before: { nodeId: 1, seq: 4 },
      });
      expect(texts(second.messages)).toEqual(["word 3", "word 2", "word 1"]);
      expect(second.more).toBe(false);
      const capped = store.search({
        terms: searchTermsOf("word"),
        limit: 5,
        accept: (m) => m.text === "word 1",
        maxScanned: 2,
      });
      expect(capped).toMatchObject({ messages: [], more: true, next: "1000000000004" });
      expect(
        store.search({ terms: searchTermsOf("word"), limit: 2, before: { nodeId: 9, seq: 9 } }),
      )
        .toEqual({ messages: [], more: false });
    }));

  test("search() leaves out held, hidden and deleted messages and follows edits", () =>
    withStore((store) => {
      store.insertMessage(storedMessage(1, 1, { text: "apple visible" }));
      store.insertMessage(storedMessage(1, 2, { text: "apple hidden", hidden: true }));
      store.insertMessage(storedMessage(1, 4, { text: "apple held", held: true }));
      store.insertMessage(storedMessage(1, 5, { text: "apple deleted", deleted: true }));
      store.insertMessage(storedMessage(2, 1, { text: "apple to edit" }));
      store.insertMessage(storedMessage(2, 2, { text: "apple to delete" }));
      const apples = () =>
        texts(store.search({ terms: searchTermsOf("apple"), limit: 10 }).messages).sort();
      expect(apples()).toEqual(["apple to delete", "apple to edit", "apple visible"]);
      store.transaction(() => {
        store.reviseMessage(2, 1, { text: "pear now", edit: EDIT, deleted: false });
        store.reviseMessage(2, 2, { text: "", deleted: true });
        store.setMessageState(1, 4, { held: false, hidden: false });
        store.setMessageState(1, 1, { held: false, hidden: true });
      });
      expect(apples()).toEqual(["apple held"]);
      expect(texts(store.search({ terms: searchTermsOf("pear"), limit: 10 }).messages)).toEqual([
        "pear now",
      ]);
      expect(store.search({ terms: searchTermsOf("pear"), limit: 10 }).messages[0].editedAt).toBe(
        EDIT.dateTime,
      );
    }));

  test("search() sees what a transaction inserted and changed, once committed", () =>
    withStore((store) => {
      store.transaction(() => {
        store.insertMessage(storedMessage(1, 1, { text: "kiwi one" }));
        store.insertMessage(storedMessage(1, 2, { text: "kiwi two" }));
        store.reviseMessage(1, 2, { text: "", deleted: true });
        store.insertMessage(storedMessage(1, 3, { text: "kiwi three" }));
        store.setMessageState(1, 3, { held: false, hidden: true });
      });
      expect(texts(store.search({ terms: searchTermsOf("kiwi"), limit: 10 }).messages)).toEqual([
        "kiwi one",
      ]);
    }));

  test("search() answers the same whether a message waits in the backlog or is indexed", () =>
    withStore((store) => {
      const texts2 = ["Élan vital", "elan again", "vital signs", "nothing here", "ÉLAN"];
      texts2.forEach((text, i) =>
        store.insertMessage(storedMessage(1, i + 1, { text, second: i }))
      );
      const queries = ["elan", "vital", "ela vit", "sign", "zzz"];
      const run = () =>
        queries.map((q) => texts(store.search({ terms: searchTermsOf(q), limit: 10 }).messages));
      const before = run();
      expect(store.searchBacklog()).toBeGreaterThanOrEqual(0);
      expect(store.indexSearchBacklog(2)).toBeLessThanOrEqual(2);
      expect(run()).toEqual(before); // half indexed, half waiting
      while (store.indexSearchBacklog(100) > 0) { /* drain */ }
      expect(store.searchBacklog()).toBe(0);
      expect(run()).toEqual(before);
      expect(before[0]).toEqual(["ÉLAN", "elan again", "Élan vital"]);
      store.reviseMessage(1, 2, { text: "", deleted: true });
      store.reviseMessage(1, 3, { text: "elan signs", edit: EDIT, deleted: false });
      expect(texts(store.search({ terms: searchTermsOf("elan"), limit: 10 }).messages)).toEqual([
        "ÉLAN",
        "elan signs",
        "Élan vital",
      ]);
    }));
}
