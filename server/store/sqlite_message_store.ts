/**
 * MessageStore on bun:sqlite, in WAL mode. A committed transaction survives a
 * process kill at once (it is in the log, in the kernel's page cache) and a
 * power loss once it is durable: transaction() flushes the log before it
 * returns; commitLater() returns at the commit and lets the durability worker
 * flush it off the event loop (sqlite_durability.ts), which is how the node
 * group-commits without its loop waiting on the disk. Reads outside a
 * transaction go to a reader connection whose snapshot is the last durable
 * point; reads inside one go to the writer (sqlite_commits.ts). Every statement
 * is prepared once per connection (sqlite_message_statements.ts).
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

import { type MigrationOutcome, schemaVersion } from "./schema_migrations.ts";
import { BUSY_TIMEOUT_MS, createPrivateFile, openSqliteFiles } from "./sqlite_files.ts";
import type { MessageRevision } from "../../common/message_revision.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type {
  ChatRecord,
  CommitLaterOptions,
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
  chatRowValues,
  type IdentityRow,
  type MessageRow,
  messageRowValues,
  toChat,
  toIdentity,
  toReplicated,
  toStored,
} from "./sqlite_message_rows.ts";
import { readHistoryRows, readSinceRows } from "./sqlite_message_reads.ts";
import { connect, type Connection, finalizeConnection } from "./sqlite_connection.ts";
import { SqliteDurability } from "./sqlite_durability.ts";
import type { ProcessLock } from "./sqlite_process_lock.ts";
import { RowidAllocator } from "./sqlite_rowid_allocator.ts";
import { SqliteCommits } from "./sqlite_commits.ts";

interface StateRow {
  rowid: number;
  held: number;
  hidden: number;
  deleted: number;
}

const isIndexed = (row: StateRow) => row.held === 0 && row.hidden === 0 && row.deleted === 0;
const byKey = (a: StoredMessage, b: StoredMessage) => a.nodeId - b.nodeId || a.seq - b.seq;

export interface SqliteMessageStoreOptions {
  /** Told when a checkpoint fails (nothing is lost; the next durable point tries again). */
  onCheckpointError?: (error: Error) => void;
  /** Checkpoint once the WAL holds this many pages. @default 1000 */
  checkpointFrames?: number;
  /** Commits durable elsewhere wait at most this long for their flush. @default 100 */
  maxUnflushedMs?: number;
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
  #commits: SqliteCommits;

  /** Opens (creating when absent) the database at path; ":memory:" for a throwaway one. */
  constructor(path: string, options: SqliteMessageStoreOptions = {}) {
    const files = openSqliteFiles(path);
    this.migration = files.migration;
    this.#lock = files.lock;
    this.#writer = connect(files.writer);
    this.#reader = files.reader ? connect(files.reader) : this.#writer;
    this.#rowids = new RowidAllocator(this.#writer.statements);
    if (files.reader) {
      this.#durability = new SqliteDurability({
        path,
        writer: files.writer,
        reader: files.reader,
        busyTimeoutMs: BUSY_TIMEOUT_MS,
        onCheckpointError: options.onCheckpointError,
        checkpointFrames: options.checkpointFrames,
        maxUnflushedMs: options.maxUnflushedMs,
      });
    }
    this.#commits = new SqliteCommits({
      writer: this.#writer,
      reader: this.#reader,
      durability: this.#durability,
      rowids: this.#rowids,
    });
  }

  transaction<T>(fn: () => T): T {
    return this.#commits.transaction(fn);
  }

  commitLater<T>(fn: () => T, options?: CommitLaterOptions): DeferredCommit<T> {
    return this.#commits.commitLater(fn, options);
  }

  /** True while commits taken as durable elsewhere wait for their flush to this disk. */
  get unflushed(): boolean {
    return this.#durability?.unflushed ?? false;
  }

  insertMessage(m: StoredMessage): boolean {
    // The hot path: no closure when a transaction is open (it always is for the node).
    if (!this.#commits.open) return this.transaction(() => this.insertMessage(m));
    const rowid = this.#rowids.next(m.dateTime);
    const inserted =
      this.#writer.statements.insert.run(...messageRowValues(rowid, m)).changes === 1;
    if (!inserted) return false;
    this.#rowids.used(m.dateTime, rowid);
    if (!m.held && !m.hidden && !m.deleted) this.#writer.search.inserted(rowid);
    return true;
  }

  setMessageState(nodeId: number, seq: number, state: { held: boolean; hidden: boolean }): void {
    this.#write(() => {
      const { statements, search } = this.#writer;
      const row = statements.stateOf.get(nodeId, seq) as StateRow | null;
      if (!row) return;
      search.beforeChange(row.rowid, isIndexed(row));
      statements.setState.run(state.held ? 1 : 0, state.hidden ? 1 : 0, row.rowid);
      search.afterChange(row.rowid);
    });
  }

  reviseMessage(nodeId: number, seq: number, revision: MessageRevision): void {
    this.#write(() => {
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
      if (revision.deleted && row.deleted === 0) this.#commits.erased();
    });
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
    return this.#write(() => {
      return this.#writer.updates.insert(update);
    });
  }

  setUpdateHeld(nodeId: number, seq: number, held: boolean): void {
    this.#write(() => {
      this.#writer.updates.setHeld(nodeId, seq, held);
    });
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
    this.#write(() => {
      this.#writer.updates.putPending(nodeId, seq, revision);
      // A kept edit's text may be replaced by a delete: older pages must not keep it.
      if (revision.deleted) this.#commits.erased();
    });
  }

  takePendingRevision(nodeId: number, seq: number): MessageRevision | null {
    return this.#write(() => {
      return this.#writer.updates.takePending(nodeId, seq);
    });
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
    return readHistoryRows(this.#reads().statements, query);
  }

  readSince(query: SinceQuery): ChatMessage[] {
    return readSinceRows(this.#reads().statements, query);
  }

  readAfter(originNodeId: number, afterSeq: number, limit: number): ReplicatedMessage[] {
    const rows = this.#reads().statements.readAfter.all(
      originNodeId,
      afterSeq,
      limit,
    ) as MessageRow[];
    return rows.map(toReplicated);
  }

  putChat(chat: ChatRecord): void {
    this.#write(() => this.#writer.statements.putChat.run(...chatRowValues(chat)));
  }

  getChat(chatId: number): ChatRecord | null {
    const row = this.#reads().statements.getChat.get(chatId) as ChatRow | null;
    return row ? toChat(row) : null;
  }

  touchChat(chatId: number, dateTime: string): void {
    this.#write(() => this.#writer.statements.touchChat.run(dateTime, chatId, dateTime));
  }

  listChats(): ChatRecord[] {
    return (this.#reads().statements.listChats.all() as ChatRow[]).map(toChat);
  }

  listTokenNames(): string[] {
    const rows = this.#reads().statements.listTokenNames.all() as Array<{ name: string }>;
    return rows.map((row) => row.name);
  }

  putTokenName(name: string): void {
    this.#write(() => this.#writer.statements.putTokenName.run(name));
  }

  loadIdentity(): NodeIdentity | null {
    const row = this.#reads().statements.loadIdentity.get() as IdentityRow | null;
    return row ? toIdentity(row) : null;
  }

  saveIdentity(identity: NodeIdentity): void {
    const { nodeId, password, origin } = identity;
    this.#write(() => this.#writer.statements.saveIdentity.run(nodeId, password, origin));
  }

  /** The schema version of the open file (`PRAGMA user_version`). */
  schemaVersion(): number {
    return schemaVersion(this.#reader.db);
  }

  /**
   * A consistent copy of everything durable, written to `path` (which must not exist or be
   * empty) while the node runs: `VACUUM INTO` on the writer, which holds nothing that is not
   * durable then (here, or on their origin for a peer's batch not flushed yet). Refused while a
   * commit is being made durable: the node calls it between two (GroupCommit.whenQuiet). Writes wait while it runs (it is one synchronous statement).
   */
  backupTo(path: string): void {
    if (this.#commits.pending) throw new Error("Cannot back up: a commit is being made durable");
    createPrivateFile(path);
    this.#writer.db.run("VACUUM INTO ?", [path]);
  }

  close(): void {
    for (const connection of new Set([this.#reader, this.#writer])) finalizeConnection(connection);
    this.#durability?.close();
    if (this.#reader !== this.#writer) this.#reader.db.close();
    this.#writer.db.close();
    this.#lock?.release();
  }

  /** A write: in the open transaction, or a transaction of its own. */
  #write<T>(fn: () => T): T {
    return this.#commits.write(fn);
  }

  /** Inside a transaction the writer (it sees the transaction), outside the durable snapshot. */
  #reads(): Connection {
    return this.#commits.reads();
  }
}
