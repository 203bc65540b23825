/**
 * MessageStore on bun:sqlite: WAL journal with synchronous=FULL, so a committed
 * transaction survives a process kill and a power loss; every statement is
 * prepared once. The node group-commits a tick's writes in one transaction, so
 * FULL costs one fsync per tick, not per message.
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
import { encodeMessageId } from "../../common/message_id.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type {
  ChatRecord,
  ChatScope,
  HistoryQuery,
  MessageStore,
  NodeIdentity,
  SinceQuery,
  StoredMessage,
} from "./message_store.ts";

/** A read across chats kept to a reader's scope (chat_id outside a range, or listed). */
const IN_SCOPE = "(chat_id < ? OR chat_id > ? OR chat_id IN (SELECT value FROM json_each(?)))";

const MESSAGE_COLUMNS =
  "node_id, seq, chat_id, sender, text, date_time, lc, client_msg_id, held, hidden";
const VISIBLE = "held = 0 AND hidden = 0";
/** Sorts after every dateTime: "no before" in one prepared statement. */
const AFTER_ALL_DATE_TIMES = "~";

interface MessageRow {
  node_id: number;
  seq: number;
  chat_id: number;
  sender: string;
  text: string;
  date_time: string;
  lc: number;
  client_msg_id: string | null;
  held: number;
  hidden: number;
}

interface ChatRow {
  chat_id: number;
  name: string;
  last_message_at: string | null;
  named: number;
  created_at: string;
  created_lc: number;
  created_by: number;
  members: string | null;
}

function toStored(row: MessageRow): StoredMessage {
  return { ...toWire(row), held: row.held === 1, hidden: row.hidden === 1 };
}

function toWire(row: MessageRow): ChatMessage {
  const message: ChatMessage = {
    messageId: encodeMessageId(row.node_id, row.seq),
    nodeId: row.node_id,
    seq: row.seq,
    chatId: row.chat_id,
    text: row.text,
    sender: row.sender,
    dateTime: row.date_time,
    lc: row.lc,
  };
  if (row.client_msg_id !== null) message.clientMsgId = row.client_msg_id;
  return message;
}

function toChat(row: ChatRow): ChatRecord {
  const chat: ChatRecord = {
    chatId: row.chat_id,
    name: row.name,
    named: row.named === 1,
    createdAt: row.created_at,
    createdLc: row.created_lc,
    createdBy: row.created_by,
  };
  if (row.last_message_at !== null) chat.lastMessageAt = row.last_message_at;
  if (row.members !== null) chat.members = JSON.parse(row.members) as string[];
  return chat;
}

type Params = Array<string | number | null>;

function scopeParams(scope: ChatScope): [number, number, string] {
  return [scope.excludeMin, scope.excludeMax, JSON.stringify(scope.except)];
}

export class SqliteMessageStore implements MessageStore {
  #db: Database;
  #statements: Record<string, Statement<unknown, Params>>;
  /** The schema versions found at open and now. */
  readonly migration: MigrationOutcome;

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
      this.#db.exec("BEGIN IMMEDIATE; COMMIT");
      this.migration = migrate(this.#db);
    } catch (error) {
      // A refused file (locked, newer schema) must not stay locked by this process.
      db?.close();
      throw new Error(`Cannot open database ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const prepare = (sql: string) => this.#db.prepare<unknown, Params>(sql);
    this.#statements = {
      insert: prepare(
        `INSERT OR IGNORE INTO messages (${MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      setState: prepare("UPDATE messages SET held = ?, hidden = ? WHERE node_id = ? AND seq = ?"),
      get: prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE node_id = ? AND seq = ?`),
      byClientMsgId: prepare(
        `SELECT ${MESSAGE_COLUMNS} FROM messages
         WHERE sender = ? AND client_msg_id = ? AND ${VISIBLE} LIMIT 1`,
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
         (chat_id, name, last_message_at, named, created_at, created_lc, created_by, members)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
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
    };
  }

  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  insertMessage(m: StoredMessage): boolean {
    const result = this.#statements.insert.run(
      m.nodeId,
      m.seq,
      m.chatId,
      m.sender,
      m.text,
      m.dateTime,
      m.lc,
      m.clientMsgId ?? null,
      m.held ? 1 : 0,
      m.hidden ? 1 : 0,
    );
    return result.changes === 1;
  }

  setMessageState(nodeId: number, seq: number, state: { held: boolean; hidden: boolean }): void {
    this.#statements.setState.run(state.held ? 1 : 0, state.hidden ? 1 : 0, nodeId, seq);
  }

  getMessage(nodeId: number, seq: number): StoredMessage | null {
    const row = this.#statements.get.get(nodeId, seq) as MessageRow | null;
    return row ? toStored(row) : null;
  }

  findVisibleByClientMsgId(sender: string, clientMsgId: string): StoredMessage | null {
    const row = this.#statements.byClientMsgId.get(sender, clientMsgId) as MessageRow | null;
    return row ? toStored(row) : null;
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

  readAfter(originNodeId: number, afterSeq: number, limit: number): ChatMessage[] {
    const rows = this.#statements.readAfter.all(originNodeId, afterSeq, limit) as MessageRow[];
    return rows.map(toWire);
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
    this.#db.close();
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
