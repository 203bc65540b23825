/**
 * The node database's schema as numbered migrations, applied at open and
 * recorded in `PRAGMA user_version`. Version 1 is the schema every node wrote
 * before versioning existed (its file says user_version 0: migration 1 is all
 * `IF NOT EXISTS`, so it adopts such a file unchanged). A change to the schema
 * is a new entry at the end: never edit a released one.
 *
 * Invariants: each migration runs in its own transaction together with the
 * user_version bump, so a crash leaves the file at the old or the new version,
 * never between; a file newer than the newest migration is refused, never
 * opened and written by older code.
 * @module
 */

import type { Database } from "bun:sqlite";

export interface Migration {
  /** 1, 2, 3, ...: the user_version after it ran. */
  version: number;
  description: string;
  sql: string;
}

/** The schema of version 1 (the first release), kept verbatim. */
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS messages (
  node_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  chat_id INTEGER NOT NULL,
  sender TEXT NOT NULL,
  text TEXT NOT NULL,
  date_time TEXT NOT NULL,
  lc INTEGER NOT NULL,
  client_msg_id TEXT,
  held INTEGER NOT NULL DEFAULT 0,
  hidden INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (node_id, seq)
);
CREATE INDEX IF NOT EXISTS messages_by_chat
  ON messages (chat_id, date_time, lc, node_id, seq) WHERE held = 0 AND hidden = 0;
CREATE INDEX IF NOT EXISTS messages_by_time ON messages (date_time, lc, node_id, seq);
CREATE INDEX IF NOT EXISTS messages_by_client_msg_id
  ON messages (sender, client_msg_id) WHERE client_msg_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS messages_held ON messages (node_id, seq) WHERE held = 1;
CREATE TABLE IF NOT EXISTS chats (
  chat_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  last_message_at TEXT,
  named INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  created_lc INTEGER NOT NULL,
  created_by INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS node_identity (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  node_id INTEGER NOT NULL,
  password TEXT NOT NULL,
  origin TEXT NOT NULL
);
`;

/**
 * Version 2, section 7 (edits, deletes, search): each message's revision, the update log,
 * revisions kept for messages not stored yet, and the full-text index with the backlog of
 * rows it has yet to take (the node's indexer fills it in batches, so a large file opens
 * at once; see server/store/sqlite_search_index.ts for the index's shape).
 */
const SCHEMA_V2 = `
ALTER TABLE messages ADD COLUMN edit_date_time TEXT;
ALTER TABLE messages ADD COLUMN edit_lc INTEGER;
ALTER TABLE messages ADD COLUMN edit_node INTEGER;
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
CREATE TABLE message_updates (
  node_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  message_node INTEGER NOT NULL,
  message_seq INTEGER NOT NULL,
  held INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (node_id, seq)
);
CREATE TABLE pending_revisions (
  node_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  text TEXT NOT NULL,
  edit_date_time TEXT,
  edit_lc INTEGER,
  edit_node INTEGER,
  deleted INTEGER NOT NULL,
  PRIMARY KEY (node_id, seq)
);
CREATE TABLE search_backlog (rowid INTEGER PRIMARY KEY);
CREATE VIRTUAL TABLE message_search USING fts5(
  text, chat_id,
  content = 'messages', content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);
INSERT INTO message_search (message_search, rank) VALUES ('secure-delete', 1);
INSERT INTO search_backlog (rowid) SELECT rowid FROM messages WHERE held = 0 AND hidden = 0;
`;

/**
 * Version 3, renaming chats (an extension, docs/SERVER.md): who created a named chat (the
 * one who may rename it) and the hybrid-clock stamp of its latest rename (the latest wins).
 */
const SCHEMA_V3 = `
ALTER TABLE chats ADD COLUMN creator TEXT;
ALTER TABLE chats ADD COLUMN renamed_at TEXT;
ALTER TABLE chats ADD COLUMN renamed_lc INTEGER;
ALTER TABLE chats ADD COLUMN renamed_by INTEGER;
`;

/** Version 4 (section 6): private chats' members, token holders' names. */
const SCHEMA_V4 = `
ALTER TABLE chats ADD COLUMN members TEXT;
CREATE TABLE IF NOT EXISTS token_names (name TEXT PRIMARY KEY) WITHOUT ROWID;
`;

/** Every migration, in order. Add new ones at the end (next: version 5). */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: "messages, chats and the node identity", sql: SCHEMA_V1 },
  { version: 2, description: "edits, deletes and search (section 7)", sql: SCHEMA_V2 },
  { version: 3, description: "chat creators and renames", sql: SCHEMA_V3 },
  { version: 4, description: "private chat members and token holders' names", sql: SCHEMA_V4 },
];

export interface MigrationOutcome {
  /** user_version found at open. */
  from: number;
  /** user_version now. */
  to: number;
}

/** The file's schema version (`PRAGMA user_version`). */
export function schemaVersion(db: Database): number {
  return (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
}

/** Brings the file to the newest version; throws (changing nothing more) when it cannot. */
export function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): MigrationOutcome {
  const from = schemaVersion(db);
  const newest = migrations[migrations.length - 1]?.version ?? 0;
  if (from > newest) {
    throw new Error(
      `Cannot use this database: its schema is version ${from}, newer than this DSatter knows ` +
        `(${newest}); run the newer release, or restore a backup made by this one`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        db.exec(`PRAGMA user_version = ${migration.version}`);
      })();
    } catch (error) {
      throw new Error(
        `Cannot migrate the database to schema version ${migration.version} ` +
          `(${migration.description}): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return { from, to: Math.max(from, newest) };
}
