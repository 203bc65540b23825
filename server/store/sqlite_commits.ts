/**
 * The SQLite store's transactions and durable points: every write runs in a
 * transaction on the writer connection; transaction() returns once the commit
 * is durable, commitLater() at the commit with a promise of its durability
 * (the durability worker flushes the WAL off the event loop,
 * sqlite_durability.ts). Reads inside a transaction go to the writer (they see
 * it), reads outside one to the reader, whose snapshot is the last durable
 * point.
 *
 * A commitLater() whose writes are durable on another node already (a peer's
 * batch) or derived may be served at its commit, its flush left to a later one
 * (SqliteDurability.acceptUnflushed()).
 *
 * Invariants: no write starts while a commitLater() is not durable (one batch
 * in flight); a transaction that throws rolls back and forgets what it
 * allocated (rowids, search marks, the erase flag); a commit that deleted a
 * text is checkpointed (TRUNCATE) before it counts as durable, so the WAL keeps
 * no older page holding it.
 * @module
 */

import type { CommitLaterOptions, DeferredCommit } from "./message_store.ts";
import type { Connection } from "./sqlite_connection.ts";
import type { SqliteDurability } from "./sqlite_durability.ts";
import type { RowidAllocator } from "./sqlite_rowid_allocator.ts";

export interface SqliteCommitsOptions {
  writer: Connection;
  /** The durable snapshot's connection (the writer itself for ":memory:"). */
  reader: Connection;
  /** Undefined for ":memory:": its commits are durable at once. */
  durability: SqliteDurability | undefined;
  rowids: RowidAllocator;
}

export class SqliteCommits {
  #writer: Connection;
  #reader: Connection;
  #durability: SqliteDurability | undefined;
  #rowids: RowidAllocator;
  /** Nesting depth of transaction() / commitLater(). */
  #depth = 0;
  /** A commitLater() that is not durable yet. */
  #pending: Promise<void> | undefined;
  /** A text was deleted in the open transaction: checkpoint the WAL before it is durable. */
  #erased = false;

  constructor(options: SqliteCommitsOptions) {
    this.#writer = options.writer;
    this.#reader = options.reader;
    this.#durability = options.durability;
    this.#rowids = options.rowids;
  }

  /** True inside a transaction. */
  get open(): boolean {
    return this.#depth > 0;
  }

  /** True while a commitLater() is not durable yet. */
  get pending(): boolean {
    return this.#pending !== undefined;
  }

  transaction<T>(fn: () => T): T {
    if (this.#depth > 0) return this.#nested(fn);
    const result = this.#run(fn);
    this.#durability?.makeDurableNow({ erase: this.#takeErased() });
    this.#readerSeesBacklog(this.#writer.search.backlogSize());
    return result;
  }

  commitLater<T>(fn: () => T, options?: CommitLaterOptions): DeferredCommit<T> {
    if (this.#depth > 0) throw new Error("Cannot commit later inside a transaction");
    const value = this.#run(fn);
    const erase = this.#takeErased();
    const backlog = this.#writer.search.backlogSize();
    if (!this.#durability) return { value, durable: Promise.resolve() };
    // Durable on its origin already (a peer's batch) or derived: served at once, flushed later.
    if (options?.durableElsewhere && !erase && this.#durability.acceptUnflushed()) {
      this.#readerSeesBacklog(backlog);
      return { value, durable: Promise.resolve() };
    }
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

  /** A write: in the open transaction, or a transaction of its own. */
  write<T>(fn: () => T): T {
    return this.#depth === 0 ? this.transaction(fn) : fn();
  }

  /** Inside a transaction the writer (it sees the transaction), outside the durable snapshot. */
  reads(): Connection {
    return this.#depth > 0 ? this.#writer : this.#reader;
  }

  /** The open transaction deleted a text: its commit is checkpointed before it is durable. */
  erased(): void {
    this.#erased = true;
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
