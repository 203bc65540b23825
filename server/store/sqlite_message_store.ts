/**
 * MessageStore on bun:sqlite, in WAL mode. A committed transaction survives a
 * process kill at once (it is in the log, in the kernel's page cache) and a
 * power loss once it is durable: transaction() flushes the log before it
 * returns; commitLater() returns at the commit and lets the durability worker
 * flush it off the event loop (sqlite_durability.ts), which is how the node
 * group-commits without its loop waiting on the disk. Reads outside a
 * transaction go to a reader connection whose snapshot is the last durable
 * point; reads inside one go to the writer. Every statement is prepared once
 * per connection (sqlite_message_statements.ts).
 *
 * Deleted texts are erased: `secure_delete` zeroes freed bytes, the search index
 * uses FTS5 secure-delete, and a transaction that deleted a text is followed by
 * a TRUNCATE checkpoint before it counts as durable, so the log keeps no older
 * page holding it.
 *
 * Invariants: opening an existing file never drops data (the schema is versioned,
 * schema_migrations.ts, and a newer file is refused); a file left by SIGKILL is
 * recovered by SQLite's WAL; one process per file (sqlite_process_lock.ts); a
 * file this store creates is mode 0600 (its -wal and -shm take the same mode
 * from it). ":memory:" is a throwaway store without files: its commits are
 * durable (and read) at once.
 * @module
 */

import { Database } from "bun:sqlite";
import { closeSync, openSync } from "node:fs";
import { migrate, type MigrationOutcome, schemaVersion } from "./schema_migrations.ts";
import type { MessageRevision } from "../../common/message_revision.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type {
  ChatRecord,
  DeferredCommit,
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
  type MessageRow,
  toChat,
  toReplicated,
  toStored,
  toWire,
} from "./sqlite_message_rows.ts";
import {
  finalizeMessageStatements,
  type MessageStatements,
  prepareMessageStatements,
} from "./sqlite_message_statements.ts";
import { SqliteSearchIndex } from "./sqlite_search_index.ts";
import { SqliteUpdateLog } from "./sqlite_update_log.ts";
import { SqliteDurability } from "./sqlite_durability.ts";
import { type ProcessLock, takeProcessLock } from "./sqlite_process_lock.ts";
import { RowidAllocator } from "./sqlite_rowid_allocator.ts";

/** Sorts after every dateTime: "no before" in one prepared statement. */
const AFTER_ALL_DATE_TIMES = "~";
const BUSY_TIMEOUT_MS = 2000;

interface StateRow {
  rowid: number;
  held: number;
  hidden: number;
  deleted: number;
}

const isIndexed = (row: StateRow) => row.held === 0 && row.hidden === 0 && row.deleted === 0;
const byKey = (a: StoredMessage, b: StoredMessage) => a.nodeId - b.nodeId || a.seq - b.seq;

/** One connection's statements, search index and update log. */
interface Connection {
  db: Database;
  statements: MessageStatements;
  search: SqliteSearchIndex;
  updates: SqliteUpdateLog;
}

export interface SqliteMessageStoreOptions {
  /** Told when a checkpoint fails (nothing is lost; the next durable point tries again). */
  onCheckpointError?: (error: Error) => void;
  /** Checkpoint once the WAL holds this many pages. @default 1000 */
  checkpointFrames?: number;
}

export class SqliteMessageStore implements MessageStore {
  /** The schema versions found at open and now. */
  readonly migration: MigrationOutcome;
  #writer: Connection;
  /** Reads outside transactions: the last durable point (the writer itself for ":memory:"). */
  #reader: Connection;
  #durability: SqliteDurability | undefined;
  #lock: ProcessLock | undefined;
  #rowids: RowidAllocator;
  /** Nesting depth of transaction() / commitLater(). */
  #depth = 0;
  /** A commitLater() that is not durable yet. */
  #pending: Promise<void> | undefined;
  /** A text was deleted in the open transaction: checkpoint the WAL before it is durable. */
  #erased = false;

  /** Opens (creating when absent) the database at path; ":memory:" for a throwaway one. */
  constructor(path: string, options: SqliteMessageStoreOptions = {}) {
    let db: Database | undefined;
    let reader: Database | undefined;
    try {
      if (path !== ":memory:") {
        createPrivateFile(path);
        // One node per file: a second node started on the same --db fails instead of
        // reusing its node id.
        this.#lock = takeProcessLock(path, BUSY_TIMEOUT_MS);
      }
      db = new Database(path, { create: true });
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = FULL");
      db.exec("PRAGMA secure_delete = ON");
      this.migration = migrate(db);
      if (path !== ":memory:") {
        db.exec("PRAGMA wal_autocheckpoint = 0");
        db.exec("PRAGMA synchronous = OFF");
        reader = new Database(path);
        reader.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
        reader.exec("PRAGMA query_only = 1");
      }
    } catch (error) {
      // A refused file (locked, newer schema) must not stay locked by this process.
      reader?.close();
      db?.close();
      this.#lock?.release();
      throw new Error(`Cannot open database ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.#writer = connect(db);
    this.#reader = reader ? connect(reader) : this.#writer;
    this.#rowids = new RowidAllocator(this.#writer.statements);
    if (reader) {
      this.#durability = new SqliteDurability({
        path,
        writer: db,
        reader,
        busyTimeoutMs: BUSY_TIMEOUT_MS,
        onCheckpointError: options.onCheckpointError,
        checkpointFrames: options.checkpointFrames,
      });
    }
  }

  transaction<T>(fn: () => T): T {
    if (this.#depth > 0) return this.#nested(fn);
    const result = this.#run(fn);
    this.#durability?.makeDurableNow({ erase: this.#takeErased() });
    this.#readerSeesBacklog(this.#writer.search.backlogSize());
    return result;
  }

  commitLater<T>(fn: () => T): DeferredCommit<T> {
    if (this.#depth > 0) throw new Error("Cannot commit later inside a transaction");
    const value = this.#run(fn);
    const erase = this.#takeErased();
    const backlog = this.#writer.search.backlogSize();
    if (!this.#durability) return { value, durable: Promise.resolve() };
    const durable = this.#durability.makeDurable({ erase }).then(
      () => {
        this.#pending = undefined;
        this.#readerSeesBacklog(backlog);
      },
      (error) => {
        this.#pending = undefined;
        throw error;
      },
    );
    this.#pending = durable;
    return { value, durable };
  }

  insertMessage(m: StoredMessage): boolean {
    if (this.#depth === 0) return this.transaction(() => this.insertMessage(m));
    const rowid = this.#rowids.next(m.dateTime);
    const deleted = m.deleted === true;
    const result = this.#writer.statements.insert.run(
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
    this.#rowids.used(m.dateTime, rowid);
    if (!m.held && !m.hidden && !deleted) this.#writer.search.inserted(rowid);
    return true;
  }

  setMessageState(nodeId: number, seq: number, state: { held: boolean; hidden: boolean }): void {
    if (this.#depth === 0) return this.transaction(() => this.setMessageState(nodeId, seq, state));
    const { statements, search } = this.#writer;
    const row = statements.stateOf.get(nodeId, seq) as StateRow | null;
    if (!row) return;
    search.beforeChange(row.rowid, isIndexed(row));
    statements.setState.run(state.held ? 1 : 0, state.hidden ? 1 : 0, row.rowid);
    search.afterChange(row.rowid);
  }

  reviseMessage(nodeId: number, seq: number, revision: MessageRevision): void {
    if (this.#depth === 0) return this.transaction(() => this.reviseMessage(nodeId, seq, revision));
    const { statements, search } = this.#writer;
    const row = statements.stateOf.get(nodeId, seq) as StateRow | null;
    if (!row) return;
    search.beforeChange(row.rowid, isIndexed(row));
    const edit = revision.edit;
    statements.revise.run(
      revision.deleted ? "" : revision.text,
      edit?.dateTime ?? null,
      edit?.lc ?? null,
      edit?.nodeId ?? null,
      revision.deleted ? 1 : 0,
      row.rowid,
    );
    search.afterChange(row.rowid);
    if (revision.deleted && row.deleted === 0) this.#erased = true;
  }

  getMessage(nodeId: number, seq: number): StoredMessage | null {
    const row = this.#reads().statements.get.get(nodeId, seq) as MessageRow | null;
    return row ? toStored(row) : null;
  }

  findVisibleByClientMsgId(sender: string, clientMsgId: string): StoredMessage | null {
    const row = this.#reads().statements.byClientMsgId.get(sender, clientMsgId) as
      | MessageRow
      | null;
    return row ? toStored(row) : null;
  }

  findCopies(sender: string, clientMsgId: string): StoredMessage[] {
    const rows = this.#reads().statements.copies.all(sender, clientMsgId) as MessageRow[];
    return rows.length === 0 ? [] : rows.map(toStored).sort(byKey);
  }

  insertUpdate(update: StoredUpdate): boolean {
    if (this.#depth === 0) return this.transaction(() => this.insertUpdate(update));
    return this.#writer.updates.insert(update);
  }

  setUpdateHeld(nodeId: number, seq: number, held: boolean): void {
    if (this.#depth === 0) return this.transaction(() => this.setUpdateHeld(nodeId, seq, held));
    this.#writer.updates.setHeld(nodeId, seq, held);
  }

  updateMarks(): Map<number, number> {
    return this.#reads().updates.marks();
  }

  heldUpdateKeys(): Array<{ nodeId: number; seq: number }> {
    return this.#reads().updates.heldKeys();
  }

  readUpdatesAfter(originNodeId: number, afterSeq: number, limit: number): UpdateRecord[] {
    return this.#reads().updates.readAfter(originNodeId, afterSeq, limit);
  }

  putPendingRevision(nodeId: number, seq: number, revision: MessageRevision): void {
    if (this.#depth === 0) {
      return this.transaction(() => this.putPendingRevision(nodeId, seq, revision));
    }
    this.#writer.updates.putPending(nodeId, seq, revision);
    // A kept edit's text may be replaced by a delete: older pages must not keep it.
    if (revision.deleted) this.#erased = true;
  }

  takePendingRevision(nodeId: number, seq: number): MessageRevision | null {
    if (this.#depth === 0) return this.transaction(() => this.takePendingRevision(nodeId, seq));
    return this.#writer.updates.takePending(nodeId, seq);
  }

  peekPendingRevision(nodeId: number, seq: number): MessageRevision | null {
    return this.#reads().updates.peekPending(nodeId, seq);
  }

  pendingRevisionKeys(): Array<{ nodeId: number; seq: number }> {
    return this.#reads().updates.pendingKeys();
  }

  search(query: StoreSearchQuery): StoreSearchResult {
    return this.#reads().search.search(query);
  }

  searchBacklog(): number {
    return this.#writer.search.backlogSize();
  }

  indexSearchBacklog(maxRows: number): number {
    return this.transaction(() => this.#writer.search.indexBacklog(maxRows));
  }

  contiguousMarks(): Map<number, number> {
    const rows = this.#reads().statements.marks.all() as Array<{ node_id: number; seq: number }>;
    return new Map(rows.map((row) => [row.node_id, row.seq]));
  }

  heldKeys(): Array<{ nodeId: number; seq: number }> {
    const rows = this.#reads().statements.heldKeys.all() as Array<
      { node_id: number; seq: number }
    >;
    return rows.map((row) => ({ nodeId: row.node_id, seq: row.seq }));
  }

  lastStamp(): { dateTime: string; lc: number } | null {
    const row = this.#reads().statements.lastStamp.get() as
      | { date_time: string; lc: number }
      | null;
    return row ? { dateTime: row.date_time, lc: row.lc } : null;
  }

  countMessages(): number {
    return (this.#reads().statements.count.get() as { count: number }).count;
  }

  history(query: HistoryQuery): ChatMessage[] {
    const { statements } = this.#reads();
    const b = query.before ?? { dateTime: AFTER_ALL_DATE_TIMES, lc: 0, nodeId: 0, seq: 0 };
    const rows =
      (query.chatId === undefined
        ? statements.historyAll.all(b.dateTime, b.lc, b.nodeId, b.seq, query.limit)
        : statements.historyChat.all(
          query.chatId,
          b.dateTime,
          b.lc,
          b.nodeId,
          b.seq,
          query.limit,
        )) as MessageRow[];
    return rows.reverse().map(toWire);
  }

  readSince(query: SinceQuery): ChatMessage[] {
    const { statements } = this.#reads();
    const result: ChatMessage[] = [];
    for (const [nodeId, upTo] of query.upTo) {
      const from = query.since.get(nodeId) ?? 0;
      if (upTo <= from) continue;
      const rows = (query.chatId === undefined
        ? statements.sinceAll.all(nodeId, from, upTo, query.limit + 1)
        : statements.sinceChat.all(
          nodeId,
          from,
          upTo,
          query.chatId,
          query.limit + 1,
        )) as MessageRow[];
      for (const row of rows) {
        result.push(toWire(row));
      }
    }
    return result;
  }

  readAfter(originNodeId: number, afterSeq: number, limit: number): ReplicatedMessage[] {
    const rows = this.#reads().statements.readAfter.all(
      originNodeId,
      afterSeq,
      limit,
    ) as MessageRow[];
    return rows.map(toReplicated);
  }

  putChat(c: ChatRecord): void {
    if (this.#depth === 0) return this.transaction(() => this.putChat(c));
    this.#writer.statements.putChat.run(
      c.chatId,
      c.name,
      c.lastMessageAt ?? null,
      c.named ? 1 : 0,
      c.createdAt,
      c.createdLc,
      c.createdBy,
    );
  }

  getChat(chatId: number): ChatRecord | null {
    const row = this.#reads().statements.getChat.get(chatId) as ChatRow | null;
    return row ? toChat(row) : null;
  }

  touchChat(chatId: number, dateTime: string): void {
    if (this.#depth === 0) return this.transaction(() => this.touchChat(chatId, dateTime));
    this.#writer.statements.touchChat.run(dateTime, chatId, dateTime);
  }

  listChats(): ChatRecord[] {
    return (this.#reads().statements.listChats.all() as ChatRow[]).map(toChat);
  }

  loadIdentity(): NodeIdentity | null {
    const row = this.#reads().statements.loadIdentity.get() as
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
    if (this.#depth === 0) return this.transaction(() => this.saveIdentity(identity));
    this.#writer.statements.saveIdentity.run(identity.nodeId, identity.password, identity.origin);
  }

  /** The schema version of the open file (`PRAGMA user_version`). */
  schemaVersion(): number {
    return schemaVersion(this.#reader.db);
  }

  /**
   * A consistent copy of everything durable, written to `path` (which must not exist or be
   * empty) while the node runs: `VACUUM INTO` on the writer, which holds nothing that is not
   * durable then. Refused while a commit is being made durable: the node calls it between
   * two (GroupCommit.whenQuiet). Writes wait while it runs (it is one synchronous statement).
   */
  backupTo(path: string): void {
    if (this.#pending) throw new Error("Cannot back up: a commit is being made durable");
    createPrivateFile(path);
    this.#writer.db.run("VACUUM INTO ?", [path]);
  }

  close(): void {
    for (const connection of new Set([this.#reader, this.#writer])) {
      finalizeMessageStatements(connection.statements);
      connection.search.finalize();
      connection.updates.finalize();
    }
    this.#durability?.close();
    if (this.#reader !== this.#writer) this.#reader.db.close();
    this.#writer.db.close();
    this.#lock?.release();
  }

  /** Inside a transaction the writer (it sees the transaction), outside the durable snapshot. */
  #reads(): Connection {
    return this.#depth > 0 ? this.#writer : this.#reader;
  }

  /** The outermost transaction: on the writer; a failure rolls back and forgets its marks. */
  #run<T>(fn: () => T): T {
    if (this.#pending) throw new Error("Cannot write: the previous commit is not durable yet");
    this.#depth = 1;
    try {
      return this.#writer.db.transaction(fn)();
    } catch (error) {
      this.#writer.search.reset();
      this.#rowids.forget();
      this.#erased = false;
      throw error;
    } finally {
      this.#depth = 0;
    }
  }

  #nested<T>(fn: () => T): T {
    this.#depth += 1;
    try {
      return this.#writer.db.transaction(fn)();
    } finally {
      this.#depth -= 1;
    }
  }

  #takeErased(): boolean {
    const erased = this.#erased;
    this.#erased = false;
    return erased;
  }

  /** The reader's search sees the backlog as of its snapshot. */
  #readerSeesBacklog(rows: number): void {
    if (this.#reader !== this.#writer) this.#reader.search.setBacklogSize(rows);
  }
}

function connect(db: Database): Connection {
  return {
    db,
    statements: prepareMessageStatements(db),
    search: new SqliteSearchIndex(db),
    updates: new SqliteUpdateLog(db),
  };
}

/** Creates `path` empty with mode 0600 when it does not exist (SQLite copies the mode to -wal). */
function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}
