/**
 * The SQLite store's message and chat statements, prepared once per connection
 * (the writer and the reader each get the set, sqlite_message_store.ts).
 *
 * Invariant: every statement reads or writes through the indexes of
 * schema_migrations.ts (no statement scans the messages table), except
 * `count`, `marks` and `heldKeys`, which run at start and after a failed commit.
 * @module
 */

import type { Database, Statement } from "bun:sqlite";
import { MESSAGE_COLUMNS } from "./sqlite_message_rows.ts";

export type Params = Array<string | number | null>;

const VISIBLE = "held = 0 AND hidden = 0";

/** A read across chats kept to a reader's scope (chat_id outside a range, or listed). */
const IN_SCOPE = "(chat_id < ? OR chat_id > ? OR chat_id IN (SELECT value FROM json_each(?)))";

/** The message and chat statements of one connection, by name. */
export type MessageStatements = Record<MessageStatementName, Statement<unknown, Params>>;

const SQL = {
  insert: `INSERT INTO messages (rowid, ${MESSAGE_COLUMNS})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (node_id, seq) DO NOTHING`,
  lastRowidIn: "SELECT MAX(rowid) AS rowid FROM messages WHERE rowid BETWEEN ? AND ?",
  rowidTaken: "SELECT 1 AS taken FROM messages WHERE rowid = ?",
  stateOf: "SELECT rowid, held, hidden, deleted FROM messages WHERE node_id = ? AND seq = ?",
  setState: "UPDATE messages SET held = ?, hidden = ? WHERE rowid = ?",
  revise: `UPDATE messages SET text = ?, edit_date_time = ?, edit_lc = ?, edit_node = ?, deleted = ?
    WHERE rowid = ?`,
  get: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE node_id = ? AND seq = ?`,
  byClientMsgId: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE sender = ? AND client_msg_id = ? AND ${VISIBLE} LIMIT 1`,
  // No ORDER BY: it costs a sorter per lookup (most find nothing); the few copies sort in JS.
  copies: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sender = ? AND client_msg_id = ?`,
  marks: "SELECT node_id, MAX(seq) AS seq FROM messages WHERE held = 0 GROUP BY node_id",
  heldKeys: "SELECT node_id, seq FROM messages WHERE held = 1",
  lastStamp: "SELECT date_time, lc FROM messages ORDER BY date_time DESC, lc DESC LIMIT 1",
  count: "SELECT COUNT(*) AS count FROM messages",
  historyAll: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE ${VISIBLE} AND (date_time, lc, node_id, seq) < (?, ?, ?, ?)
    ORDER BY date_time DESC, lc DESC, node_id DESC, seq DESC LIMIT ?`,
  historyChat: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE chat_id = ? AND ${VISIBLE} AND (date_time, lc, node_id, seq) < (?, ?, ?, ?)
    ORDER BY date_time DESC, lc DESC, node_id DESC, seq DESC LIMIT ?`,
  historyScoped: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE ${VISIBLE} AND (date_time, lc, node_id, seq) < (?, ?, ?, ?) AND ${IN_SCOPE}
    ORDER BY date_time DESC, lc DESC, node_id DESC, seq DESC LIMIT ?`,
  sinceScoped: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE node_id = ? AND seq > ? AND seq <= ? AND ${VISIBLE} AND ${IN_SCOPE}
    ORDER BY seq LIMIT ?`,
  sinceAll: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE node_id = ? AND seq > ? AND seq <= ? AND ${VISIBLE} ORDER BY seq LIMIT ?`,
  sinceChat: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE node_id = ? AND seq > ? AND seq <= ? AND ${VISIBLE} AND chat_id = ?
    ORDER BY seq LIMIT ?`,
  readAfter: `SELECT ${MESSAGE_COLUMNS} FROM messages
    WHERE node_id = ? AND seq > ? AND held = 0 ORDER BY seq LIMIT ?`,
  putChat: `INSERT OR REPLACE INTO chats
    (chat_id, name, last_message_at, named, created_at, created_lc, created_by,
     creator, renamed_at, renamed_lc, renamed_by, members)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  getChat: "SELECT * FROM chats WHERE chat_id = ?",
  touchChat: `UPDATE chats SET last_message_at = ?
    WHERE chat_id = ? AND (last_message_at IS NULL OR last_message_at < ?)`,
  listChats: "SELECT * FROM chats ORDER BY chat_id",
  listTokenNames: "SELECT name FROM token_names",
  putTokenName: "INSERT OR IGNORE INTO token_names (name) VALUES (?)",
  loadIdentity: "SELECT node_id, password, origin FROM node_identity",
  saveIdentity:
    "INSERT OR REPLACE INTO node_identity (singleton, node_id, password, origin) VALUES (1, ?, ?, ?)",
} as const;

export type MessageStatementName = keyof typeof SQL;

/** Prepares every statement on db. */
export function prepareMessageStatements(db: Database): MessageStatements {
  const statements = {} as MessageStatements;
  for (const [name, sql] of Object.entries(SQL) as Array<[MessageStatementName, string]>) {
    statements[name] = db.prepare<unknown, Params>(sql);
  }
  return statements;
}

/** Finalizes a set (the store is closing). */
export function finalizeMessageStatements(statements: MessageStatements): void {
  for (const statement of Object.values(statements)) statement.finalize();
}
