/**
 * A deleted text leaves no byte behind in the SQLite store's files (main file
 * and WAL): checked as `strings` would, with a positive control first, for a
 * short text, a long one (overflow pages), an edit's text and a kept revision.
 * And an older file (no revision columns, no search index) opens, keeps its
 * messages and finds them by search.
 */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { searchTermsOf } from "../../common/search_terms.ts";
import { storedMessage } from "./message_store_conformance.ts";
import { SqliteMessageStore } from "./sqlite_message_store.ts";

function filesHolding(path: string, needle: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`, `${path}-journal`].filter((file) =>
    existsSync(file) && readFileSync(file).includes(Buffer.from(needle, "utf8"))
  );
}

function withFile(fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "dsatter-erase-"));
  try {
    fn(join(dir, "node.db"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const filler = (i: number) => `filler message number ${i} with ordinary words ${i * 7919}`;
const EDIT = { dateTime: "2026-01-01T00:05:00.000Z", lc: 0, nodeId: 2 };

test("SqliteMessageStore erases deleted texts, edited ones and kept ones from every file", () =>
  withFile((path) => {
    const store = new SqliteMessageStore(path);
    try {
      const secret = "zanzibarquux";
      const long = "oversizedsecret ".repeat(250);
      const edited = "editedsecretword";
      const kept = "keptsecretword";
      store.transaction(() => {
        for (let i = 1; i <= 3000; i++) {
          const text = i === 1500 ? `the ${secret} plan` : i === 1501 ? long : filler(i);
          store.insertMessage(storedMessage(1, i, { text, second: i % 60 }));
        }
      });
      // Most rows indexed (the FTS path), the last batch still in the backlog (the other one).
      while (store.indexSearchBacklog(1000) > 0) { /* drain */ }
      store.transaction(() => {
        store.reviseMessage(1, 10, { text: `now ${edited}`, edit: EDIT, deleted: false });
        store.putPendingRevision(9, 1, { text: kept, edit: EDIT, deleted: false });
      });
      for (let i = 0; i < 5; i++) {
        store.transaction(() => {
          for (let j = 1; j <= 500; j++) {
            store.insertMessage(storedMessage(2, i * 500 + j, { text: filler(j) }));
          }
        });
      }
      for (const needle of [secret, "oversizedsecret", edited, kept]) {
        expect(filesHolding(path, needle).length).toBeGreaterThan(0); // positive control
      }
      expect(store.search({ terms: searchTermsOf(secret), limit: 5 }).messages).toHaveLength(1);
      store.transaction(() => {
        store.reviseMessage(1, 1500, { text: "", deleted: true });
        store.reviseMessage(1, 1501, { text: "", deleted: true });
        store.reviseMessage(1, 10, { text: "", edit: EDIT, deleted: true });
        store.putPendingRevision(9, 1, { text: "", edit: EDIT, deleted: true });
      });
      for (const needle of [secret, "oversizedsecret", edited, kept]) {
        expect({ needle, files: filesHolding(path, needle) }).toEqual({ needle, files: [] });
      }
      expect(store.search({ terms: searchTermsOf(secret), limit: 5 }).messages).toEqual([]);
    } finally {
      store.close();
    }
    expect(filesHolding(path, "zanzibarquux")).toEqual([]);
  }));

test("SqliteMessageStore opens an older file, adds what is new and indexes what it holds", () =>
  withFile((path) => {
    const old = new Database(path, { create: true });
    old.exec(`CREATE TABLE messages (
      node_id INTEGER NOT NULL, seq INTEGER NOT NULL, chat_id INTEGER NOT NULL,
      sender TEXT NOT NULL, text TEXT NOT NULL, date_time TEXT NOT NULL, lc INTEGER NOT NULL,
      client_msg_id TEXT, held INTEGER NOT NULL DEFAULT 0, hidden INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (node_id, seq))`);
    old.exec(`INSERT INTO messages (node_id, seq, chat_id, sender, text, date_time, lc)
      VALUES (1, 1, 11, 'ann', 'Grüße aus Zürich', '2026-01-01T00:00:00.000Z', 0),
             (1, 2, 11, 'ann', 'hidden zurich', '2026-01-01T00:00:01.000Z', 0)`);
    old.exec("UPDATE messages SET hidden = 1 WHERE seq = 2");
    old.close();
    const store = new SqliteMessageStore(path);
    try {
      expect(store.getMessage(1, 1)?.text).toBe("Grüße aus Zürich");
      const found = store.search({ terms: searchTermsOf("zurich"), limit: 5 }).messages;
      expect(found.map((m) => m.seq)).toEqual([1]);
      store.insertMessage(storedMessage(1, 3, { text: "zurich again", second: 30 }));
      expect(store.search({ terms: searchTermsOf("zurich"), limit: 5 }).messages.map((m) => m.seq))
        .toEqual([3, 1]);
    } finally {
      store.close();
    }
  }));
