import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, type Migration, MIGRATIONS, schemaVersion } from "./schema_migrations.ts";
import { SqliteMessageStore } from "./sqlite_message_store.ts";

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "dsatter-schema-"));
  dirs.push(dir);
  return join(dir, "node.db");
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A file as a version-1 node left it: the v1 schema, one message, one chat, an identity. */
function writeVersion1File(path: string, userVersion: number): void {
  const db = new Database(path, { create: true });
  db.exec(MIGRATIONS[0].sql);
  db.exec(
    `INSERT INTO messages (node_id, seq, chat_id, sender, text, date_time, lc, client_msg_id)
     VALUES (7, 1, 11, 'ann', 'kept since v1', '2026-01-01T00:00:00.000Z', 0, 'c1')`,
  );
  db.exec(
    `INSERT INTO chats (chat_id, name, named, created_at, created_lc, created_by)
     VALUES (11, 'chat 11', 0, '2026-01-01T00:00:00.000Z', 0, 7)`,
  );
  db.exec("INSERT INTO node_identity VALUES (1, 7, 'pw', 'discovery')");
  db.exec(`PRAGMA user_version = ${userVersion}`);
  db.close();
}

describe("schema versions", () => {
  test("a new file is created at the newest version, mode 0600 with its -wal", () => {
    const path = tempDb();
    const store = new SqliteMessageStore(path);
    try {
      expect(store.migration).toEqual({ from: 0, to: MIGRATIONS.at(-1)!.version });
      expect(store.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
      for (const file of [path, `${path}-wal`]) {
        expect(statSync(file).mode & 0o777).toBe(0o600);
      }
    } finally {
      store.close();
    }
  });

  test("a file written at version 1 opens with its messages, chats and identity", () => {
    const path = tempDb();
    writeVersion1File(path, 1);
    const store = new SqliteMessageStore(path);
    try {
      expect(store.migration).toEqual({ from: 1, to: MIGRATIONS.at(-1)!.version });
      expect(store.getMessage(7, 1)?.text).toBe("kept since v1");
      expect(store.listChats().map((c) => c.chatId)).toEqual([11]);
      expect(store.loadIdentity()).toEqual({ nodeId: 7, password: "pw", origin: "discovery" });
      // Version 4: a v1 chat has no members; private chats and token names can be stored.
      expect(store.getChat(11)?.members).toBeUndefined();
      store.putChat({ ...store.getChat(11)!, chatId: 9_000_000_001, members: ["ann"] });
      expect(store.getChat(9_000_000_001)?.members).toEqual(["ann"]);
      store.putTokenName("ann");
      expect(store.listTokenNames()).toEqual(["ann"]);
    } finally {
      store.close();
    }
  });

  test("a file from before versioning (user_version 0) is adopted as version 1, then migrated", () => {
    const path = tempDb();
    writeVersion1File(path, 0);
    const store = new SqliteMessageStore(path);
    try {
      expect(store.migration).toEqual({ from: 0, to: MIGRATIONS.at(-1)!.version });
      expect(store.getMessage(7, 1)?.text).toBe("kept since v1");
    } finally {
      store.close();
    }
  });

  test("a file newer than this code is refused and left as it was", () => {
    const path = tempDb();
    writeVersion1File(path, 99);
    expect(() => new SqliteMessageStore(path)).toThrow(/schema is version 99, newer than/);
    const db = new Database(path);
    expect(schemaVersion(db)).toBe(99);
    db.close();
  });

  test("migrate() runs later migrations in order; a failing one changes nothing", () => {
    const path = tempDb();
    writeVersion1File(path, 1);
    const db = new Database(path);
    try {
      const newest = MIGRATIONS[MIGRATIONS.length - 1].version;
      const next: Migration = {
        version: newest + 1,
        description: "note",
        sql: "ALTER TABLE messages ADD COLUMN note TEXT",
      };
      expect(migrate(db, [...MIGRATIONS, next])).toEqual({ from: 1, to: newest + 1 });
      const row = db.query("SELECT text, note FROM messages").get();
      expect(row).toEqual({ text: "kept since v1", note: null });
      const broken: Migration = {
        version: newest + 2,
        description: "broken",
        sql: "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1)",
      };
      expect(() => migrate(db, [...MIGRATIONS, next, broken])).toThrow(
        new RegExp(`Cannot migrate the database to schema version ${newest + 2} \\(broken\\)`),
      );
      expect(schemaVersion(db)).toBe(newest + 1);
      expect(db.query("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeNull();
    } finally {
      db.close();
    }
  });
});
