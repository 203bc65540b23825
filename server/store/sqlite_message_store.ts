/**
 * MessageStore on bun:sqlite: WAL journal with synchronous=FULL, so a committed
 * transaction survives a process kill and a power loss; every statement is
 * prepared once. The node group-commits a tick's writes in one transaction, so
 * FULL costs one fsync per tick, not per message.
 *
 * Deleted texts are erased: `secure_delete` zeroes freed bytes, the search index
 * uses FTS5 secure-delete, and a transaction that deleted a text is followed by
 * a TRUNCATE checkpoint, so the WAL keeps no older page holding it.
 *
 * Invariants: opening an existing file never drops data (the schema is versioned,
 * schema_migrations.ts, and a newer file is refused); a file left by SIGKILL is
 * recovered by SQLite's WAL; a file this store creates is mode 0600 (its -wal and
 * -shm take the same mode from it).
 * @module
 */

import { Database, type Statement } from "bun:sqlite";
import { closeSync, openSync } from "node:fs";
import { migrate, type MigrationOutcome, schemaVersion } from "./schema_migrations.ts";
import type { MessageRevision } from "../../common/message_revision.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type {
  ChatRecord,
  ChatScope,
  HistoryQuery,
  MessageStore,
  NodeIdentity,
  ReplicatedMessage,
  SinceQuery,
  StoredMessage,
  StoredUpdate,
  StoreSearchQuery,
  StoreSearchResult,
  UpdateRecord,
} from "./message_store.ts";
import {
  type ChatRow,
  MESSAGE_COLUMNS,
  type MessageRow,
  toChat,
  toReplicated,
  toStored,
  toWire,
} from "./sqlite_message_rows.ts";
import { SqliteSearchIndex } from "./sqlite_search_index.ts";
import { SqliteUpdateLog } from "./sqlite_update_log.ts";

const VISIBLE = "held = 0 AND hidden = 0";
/** Sorts after every dateTime: "no before" in one prepared statement. */
const AFTER_ALL_DATE_TIMES = "~";
/**
 * Rowids order messages by time for search (newest first): dateTime's ms times this,
 * plus arrival within one ms. Stays under 2^53 until the year 2248.
 */
const ROWIDS_PER_MS = 1024;
const ROWID_MAX_MS = Math.floor(Number.MAX_SAFE_INTEGER / ROWIDS_PER_MS) - 1;

type Params = Array<string | number | null>;

interface StateRow {
  rowid: number;
  held: number;
  hidden: number;
  deleted: number;
}

const isIndexed = (row: StateRow) => row.held === 0 && row.hidden === 0 && row.deleted === 0;

/** A read across chats kept to a reader's scope (chat_id outside a range, or listed). */
const IN_SCOPE = "(chat_id < ? OR chat_id > ? OR chat_id IN (SELECT value FROM json_each(?)))";

function scopeParams(scope: ChatScope): [number, number, string] {
  return [scope.excludeMin, scope.excludeMax, JSON.stringify(scope.except)];
}

export class SqliteMessageStore implements MessageStore {
  #db: Database;
  #statements: Record<string, Statement<unknown, Params>>;
  /** The schema versions found at open and now. */
  readonly migration: MigrationOutcome;
  #search: SqliteSearchIndex;
  #updates: SqliteUpdateLog;
  /** Nesting depth of transaction(). */
  #depth = 0;
  /** A text was deleted in the open transaction: checkpoint the WAL after the commit. */
  #erased = false;

  /** Opens (creating when absent) the database at path; ":memory:" for a throwaway one. */
  constructor(path: string) {
    let db: Database | undefined;
    try {
      if (path !== ":memory:") createPrivateFile(path);
      db = new Database(path, { create: true });
      this.#db = db;
      // One node per file: the first process keeps the lock until it exits (or is killed),
      // so a second node started on the same --db fails instead of reusing its node id.
      this.#db.exec("PRAGMA busy_timeout = 2000");
      this.#db.exec("PRAGMA locking_mode = EXCLUSIVE");
      this.#db.exec("PRAGMA journal_mode = WAL");
      this.#db.exec("PRAGMA synchronous = FULL");
      this.#db.exec("PRAGMA secure_delete = ON");
      this.#db.exec("BEGIN IMMEDIATE; COMMIT");
      this.migration = migrate(this.#db);
    } catch (error) {
      // A refused file (locked, newer schema) must not stay locked by this process.
      db?.close();
      throw new Error(`Cannot open database ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.#search = new SqliteSearchIndex(this.#db);
    this.#updates = new SqliteUpdateLog(this.#db);
    const prepare = (sql: string) => this.#db.prepare<unknown, Params>(sql);
    this.#statements = {
      insert: prepare(
        `INSERT INTO messages (rowid, ${MESSAGE_COLUMNS})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (node_id, seq) DO NOTHING`,
      ),
      lastRowidIn: prepare("SELECT MAX(rowid) AS rowid FROM messages WHERE rowid BETWEEN ? AND ?"),
      rowidTaken: prepare("SELECT 1 AS taken FROM messages WHERE rowid = ?"),
      stateOf: prepare(
        "SELECT rowid, held, hidden, deleted FROM messages WHERE node_id = ? AND seq = ?",
      ),
      setState: prepare("UPDATE messages SET held = ?, hidden = ? WHERE rowid = ?"),
      revise: prepare(
        `UPDATE messages SET text = ?, edit_date_time = ?, edit_lc = ?, edit_node = ?, deleted = ?
         WHERE rowid = ?`,
      ),
      get: prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE node_id = ? AND seq = ?`),
      byClientMsgId: prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages
         WHERE sender = ? AND client_msg_id = ? AND ${VISIBLE} LIMIT 1`,
      ),
      copies: prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sender = ? AND client_msg_id = ?
         ORDER BY node_id, seq`,
      ),
      marks: prepare(
        "SELECT node_id, MAX(seq) AS seq FROM messages WHERE held = 0 GROUP BY node_id",
      ),
      heldKeys: prepare("SELECT node_id, seq FROM messages WHERE held = 1"),
      lastStamp: prepare(
        "SELECT date_time, lc FROM messages ORDER BY date_time DESC, lc DESC LIMIT 1",
      ),
      count: prepare("SELECT COUNT(*) AS count FROM messages"),
      historyAll: prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages
         WHERE ${VISIBLE} AND (date_time, lc, node_id, seq) < (?, ?, ?, ?)
         ORDER BY date_time DESC, lc DESC, node_id DESC, seq DESC LIMIT ?`,
      ),
      historyChat: prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages
         WHERE chat_id = ? AND ${VISIBLE} AND (date_time, lc, node_id, seq) < (?, ?, ?, ?)
         ORDER BY date_time DESC, lc DESC, node_id DESC, seq DESC LIMIT ?`,
      ),
      historyScoped: prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages
         WHERE ${VISIBLE} AND (date_time, lc, node_id, seq) < (?, ?, ?, ?) AND ${IN_SCOPE}
         ORDER BY date_time DESC, lc DESC, node_id DESC, seq DESC LIMIT ?`,
      ),
      sinceScoped: prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages
         WHERE node_id = ? AND seq > ? AND seq <= ? AND ${VISIBLE} AND ${IN_SCOPE}
         ORDER BY seq LIMIT ?`,
      ),
      sinceAll: prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages
         WHERE node_id = ? AND seq > ? AND seq <= ? AND ${VISIBLE} ORDER BY seq LIMIT ?`,
      ),
      sinceChat: prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages
         WHERE node_id = ? AND seq > ? AND seq <= ? AND ${VISIBLE} AND chat_id = ?
         ORDER BY seq LIMIT ?`,
      ),
      readAfter: prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages
         WHERE node_id = ? AND seq > ? AND held = 0 ORDER BY seq LIMIT ?`,
      ),
      putChat: prepare(
        `INSERT OR REPLACE INTO chats
         (chat_id, name, last_message_at, named, created_at, created_lc, created_by,
          creator, renamed_at, renamed_lc, renamed_by, members)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      getChat: prepare("SELECT * FROM chats WHERE chat_id = ?"),
      touchChat: prepare(
        `UPDATE chats SET last_message_at = ?
         WHERE chat_id = ? AND (last_message_at IS NULL OR last_message_at < ?)`,
      ),
      listChats: prepare("SELECT * FROM chats ORDER BY chat_id"),
      listTokenNames: prepare("SELECT name FROM token_names"),
      putTokenName: prepare("INSERT OR IGNORE INTO token_names (name) VALUES (?)"),
      loadIdentity: prepare("SELECT node_id, password, origin FROM node_identity"),
      saveIdentity: prepare(
        "INSERT OR REPLACE INTO node_identity (singleton, node_id, password, origin) VALUES (1, ?, ?, ?)",
      ),
      checkpoint: prepare("PRAGMA wal_checkpoint(TRUNCATE)"),
    };
  }

  transaction<T>(fn: () => T): T {
    if (this.#depth > 0) {
      this.#depth += 1;
      try {
        return this.#db.transaction(fn)();
      } finally {
        this.#depth -= 1;
      }
    }
    this.#depth = 1;
    let result: T;
    try {
      result = this.#db.transaction(fn)();
    } catch (error) {
      this.#search.reset();
      this.#erased = false;
      throw error;
    } finally {
      this.#depth = 0;
    }
    if (this.#erased) this.#eraseFromWal();
    return result;
  }

  insertMessage(m: StoredMessage): boolean {
    const rowid = this.#freeRowid(m.dateTime);
    const deleted = m.deleted === true;
    const result = this.#statements.insert.run(
      rowid,
      m.nodeId,
      m.seq,
      m.chatId,
      m.sender,
      deleted ? "" : m.text,
      m.dateTime,
      m.lc,
      m.clientMsgId ?? null,
      m.held ? 1 : 0,
      m.hidden ? 1 : 0,
      m.edit?.dateTime ?? null,
      m.edit?.lc ?? null,
      m.edit?.nodeId ?? null,
      deleted ? 1 : 0,
    );
    if (result.changes !== 1) return false;
    if (!m.held && !m.hidden && !deleted) this.#search.inserted(rowid);
    return true;
  }

  setMessageState(nodeId: number, seq: number, state: { held: boolean; hidden: boolean }): void {
    const row = this.#statements.stateOf.get(nodeId, seq) as StateRow | null;
    if (!row) return;
    this.#search.beforeChange(row.rowid, isIndexed(row));
    this.#statements.setState.run(state.held ? 1 : 0, state.hidden ? 1 : 0, row.rowid);
    this.#search.afterChange(row.rowid);
  }

  reviseMessage(nodeId: number, seq: number, revision: MessageRevision): void {
    const row = this.#statements.stateOf.get(nodeId, seq) as StateRow | null;
    if (!row) return;
    this.#search.beforeChange(row.rowid, isIndexed(row));
    const edit = revision.edit;
    this.#statements.revise.run(
      revision.deleted ? "" : revision.text,
      edit?.dateTime ?? null,
      edit?.lc ?? null,
      edit?.nodeId ?? null,
      revision.deleted ? 1 : 0,
      row.rowid,
    );
    this.#search.afterChange(row.rowid);
    if (revision.deleted && row.deleted === 0) {
      if (this.#depth > 0) this.#erased = true;
      else this.#eraseFromWal();
    }
  }

  getMessage(nodeId: number, seq: number): StoredMessage | null {
    const row = this.#statements.get.get(nodeId, seq) as MessageRow | null;
    return row ? toStored(row) : null;
  }

  findVisibleByClientMsgId(sender: string, clientMsgId: string): StoredMessage | null {
    const row = this.#statements.byClientMsgId.get(sender, clientMsgId) as MessageRow | null;
    return row ? toStored(row) : null;
  }

  findCopies(sender: string, clientMsgId: string): StoredMessage[] {
    return (this.#statements.copies.all(sender, clientMsgId) as MessageRow[]).map(toStored);
  }

  insertUpdate(update: StoredUpdate): boolean {
    return this.#updates.insert(update);
  }

  setUpdateHeld(nodeId: number, seq: number, held: boolean): void {
    this.#updates.setHeld(nodeId, seq, held);
  }

  updateMarks(): Map<number, number> {
    return this.#updates.marks();
  }

  heldUpdateKeys(): Array<{ nodeId: number; seq: number }> {
    return this.#updates.heldKeys();
  }

  readUpdatesAfter(originNodeId: number, afterSeq: number, limit: number): UpdateRecord[] {
    return this.#updates.readAfter(originNodeId, afterSeq, limit);
  }

  putPendingRevision(nodeId: number, seq: number, revision: MessageRevision): void {
    this.#updates.putPending(nodeId, seq, revision);
    // A kept edit's text may be replaced by a delete: older pages must not keep it.
    if (revision.deleted) {
      if (this.#depth > 0) this.#erased = true;
      else this.#eraseFromWal();
    }
  }

  takePendingRevision(nodeId: number, seq: number): MessageRevision | null {
    return this.#updates.takePending(nodeId, seq);
  }

  peekPendingRevision(nodeId: number, seq: number): MessageRevision | null {
    return this.#updates.peekPending(nodeId, seq);
  }

  pendingRevisionKeys(): Array<{ nodeId: number; seq: number }> {
    return this.#updates.pendingKeys();
  }

  search(query: StoreSearchQuery): StoreSearchResult {
    return this.#search.search(query);
  }

  searchBacklog(): number {
    return this.#search.backlogSize();
  }

  indexSearchBacklog(maxRows: number): number {
    return this.transaction(() => this.#search.indexBacklog(maxRows));
  }

  contiguousMarks(): Map<number, number> {
    const rows = this.#statements.marks.all() as Array<{ node_id: number; seq: number }>;
    return new Map(rows.map((row) => [row.node_id, row.seq]));
  }

  heldKeys(): Array<{ nodeId: number; seq: number }> {
    const rows = this.#statements.heldKeys.all() as Array<{ node_id: number; seq: number }>;
    return rows.map((row) => ({ nodeId: row.node_id, seq: row.seq }));
  }

  lastStamp(): { dateTime: string; lc: number } | null {
    const row = this.#statements.lastStamp.get() as { date_time: string; lc: number } | null;
    return row ? { dateTime: row.date_time, lc: row.lc } : null;
  }

  countMessages(): number {
    return (this.#statements.count.get() as { count: number }).count;
  }

  history(query: HistoryQuery): ChatMessage[] {
    const b = query.before ?? { dateTime: AFTER_ALL_DATE_TIMES, lc: 0, nodeId: 0, seq: 0 };
    const { chatId, scope } = query;
    let rows: MessageRow[];
    if (chatId !== undefined) {
      const params = [chatId, b.dateTime, b.lc, b.nodeId, b.seq, query.limit];
      rows = this.#statements.historyChat.all(...params) as MessageRow[];
    } else if (scope !== undefined) {
      rows = this.#statements.historyScoped.all(
        b.dateTime,
        b.lc,
        b.nodeId,
        b.seq,
        ...scopeParams(scope),
        query.limit,
      ) as MessageRow[];
    } else {
      const params = [b.dateTime, b.lc, b.nodeId, b.seq, query.limit];
      rows = this.#statements.historyAll.all(...params) as MessageRow[];
    }
    return rows.reverse().map(toWire);
  }

  readSince(query: SinceQuery): ChatMessage[] {
    const result: ChatMessage[] = [];
    for (const [nodeId, upTo] of query.upTo) {
      const from = query.since.get(nodeId) ?? 0;
      if (upTo <= from) continue;
      const { chatId, scope } = query;
      const rows = (chatId !== undefined
        ? this.#statements.sinceChat.all(nodeId, from, upTo, chatId, query.limit + 1)
        : scope !== undefined
        ? this.#statements.sinceScoped.all(
          nodeId,
          from,
          upTo,
          ...scopeParams(scope),
          query.limit + 1,
        )
        : this.#statements.sinceAll.all(nodeId, from, upTo, query.limit + 1)) as MessageRow[];
      for (const row of rows) {
        result.push(toWire(row));
      }
    }
    return result;
  }

  readAfter(originNodeId: number, afterSeq: number, limit: number): ReplicatedMessage[] {
    const rows = this.#statements.readAfter.all(originNodeId, afterSeq, limit) as MessageRow[];
    return rows.map(toReplicated);
  }

  putChat(c: ChatRecord): void {
    this.#statements.putChat.run(
      c.chatId,
      c.name,
      c.lastMessageAt ?? null,
      c.named ? 1 : 0,
      c.createdAt,
      c.createdLc,
      c.createdBy,
      c.creator ?? null,
      c.renamed?.at ?? null,
      c.renamed?.lc ?? null,
      c.renamed?.by ?? null,
      c.members ? JSON.stringify(c.members) : null,
    );
  }

  getChat(chatId: number): ChatRecord | null {
    const row = this.#statements.getChat.get(chatId) as ChatRow | null;
    return row ? toChat(row) : null;
  }

  touchChat(chatId: number, dateTime: string): void {
    this.#statements.touchChat.run(dateTime, chatId, dateTime);
  }

  listChats(): ChatRecord[] {
    return (this.#statements.listChats.all() as ChatRow[]).map(toChat);
  }

  listTokenNames(): string[] {
    return (this.#statements.listTokenNames.all() as Array<{ name: string }>).map((r) => r.name);
  }

  putTokenName(name: string): void {
    this.#statements.putTokenName.run(name);
  }

  loadIdentity(): NodeIdentity | null {
    const row = this.#statements.loadIdentity.get() as
      | { node_id: number; password: string; origin: string }
      | null;
    if (!row) return null;
    return {
      nodeId: row.node_id,
      password: row.password,
      origin: row.origin === "discovery" ? "discovery" : "local",
    };
  }

  saveIdentity(identity: NodeIdentity): void {
    this.#statements.saveIdentity.run(identity.nodeId, identity.password, identity.origin);
  }

  /** The schema version of the open file (`PRAGMA user_version`). */
  schemaVersion(): number {
    return schemaVersion(this.#db);
  }

  /**
   * A consistent copy of everything committed, written to `path` (which must not exist or
   * be empty) while the node runs: `VACUUM INTO` on this connection, so the exclusive lock
   * is no obstacle. Writes wait while it runs (it is one synchronous statement).
   */
  backupTo(path: string): void {
    createPrivateFile(path);
    this.#db.run("VACUUM INTO ?", [path]);
  }

  close(): void {
    for (const statement of Object.values(this.#statements)) statement.finalize();
    this.#search.finalize();
    this.#updates.finalize();
    this.#db.close();
  }

  /** A rowid for a message of this dateTime: after every rowid of the same ms, unused. */
  #freeRowid(dateTime: string): number {
    const ms = Math.max(0, Math.min(ROWID_MAX_MS, Date.parse(dateTime) || 0));
    const base = ms * ROWIDS_PER_MS;
    const last = (this.#statements.lastRowidIn.get(base, base + ROWIDS_PER_MS - 1) as {
      rowid: number | null;
    }).rowid;
    let rowid = last === null ? base : last + 1;
    // A full millisecond (1,024 messages) spills into the next one's rowids.
    while (rowid >= base + ROWIDS_PER_MS && this.#statements.rowidTaken.get(rowid)) rowid += 1;
    return rowid;
  }

  /** Moves every page into the main file and empties the WAL, so no old page holds erased text. */
  #eraseFromWal(): void {
    this.#erased = false;
    this.#statements.checkpoint.get();
  }
}

/** Creates `path` empty with mode 0600 when it does not exist (SQLite copies the mode to -wal). */
function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}
