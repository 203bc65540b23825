/**
 * Rowids of the messages table, which order messages by time for search (the
 * FTS5 index is keyed by them, newest first): a message's rowid is its
 * dateTime in ms times 1,024 plus its arrival within that ms. The last rowid
 * given out per ms is remembered, so a burst of messages in the same ms (a
 * local group commit, a peer's batch) asks SQLite once, not once per message.
 *
 * Invariants: next() returns a rowid no row holds (a full ms spills into the
 * next one's rowids, checked one by one); after a rolled-back transaction the
 * caller calls forget(), since what it remembers may be rows that are gone.
 * @module
 */

import type { MessageStatements } from "./sqlite_message_statements.ts";

/** Rowids per ms; stays under 2^53 until the year 2248. */
export const ROWIDS_PER_MS = 1024;
const ROWID_MAX_MS = Math.floor(Number.MAX_SAFE_INTEGER / ROWIDS_PER_MS) - 1;
/** Past this many remembered ms (old ones only matter for late peers' messages), start over. */
const REMEMBERED_MS = 4096;

export class RowidAllocator {
  #statements: Pick<MessageStatements, "lastRowidIn" | "rowidTaken">;
  /** ms -> the highest rowid of that ms's range known to be taken. */
  #last = new Map<number, number>();
  /** The last dateTime parsed, and its ms: a batch's messages share a few ms, each asked twice. */
  #parsed = { dateTime: "", ms: 0 };

  constructor(statements: Pick<MessageStatements, "lastRowidIn" | "rowidTaken">) {
    this.#statements = statements;
  }

  /** A free rowid for a message of this dateTime: after every rowid of the same ms. */
  next(dateTime: string): number {
    const ms = this.#msOf(dateTime);
    const base = ms * ROWIDS_PER_MS;
    let last = this.#last.get(ms);
    if (last === undefined) {
      last = (this.#statements.lastRowidIn.get(base, base + ROWIDS_PER_MS - 1) as {
        rowid: number | null;
      }).rowid ?? base - 1;
    }
    let rowid = last + 1;
    // A full millisecond (1,024 messages) spills into the next one's rowids.
    while (rowid >= base + ROWIDS_PER_MS && this.#statements.rowidTaken.get(rowid)) rowid += 1;
    return rowid;
  }

  /** The row was inserted with this rowid. */
  used(dateTime: string, rowid: number): void {
    const ms = this.#msOf(dateTime);
    if (rowid >= (ms + 1) * ROWIDS_PER_MS) {
      // A spill took a rowid of a later ms, whose remembered last rowid no longer holds.
      this.forget();
      return;
    }
    if (this.#last.size >= REMEMBERED_MS && !this.#last.has(ms)) this.#last.clear();
    this.#last.set(ms, rowid);
  }

  /** Forgets everything remembered (a transaction rolled back). */
  forget(): void {
    this.#last.clear();
  }

  #msOf(dateTime: string): number {
    if (dateTime !== this.#parsed.dateTime) this.#parsed = { dateTime, ms: msOf(dateTime) };
    return this.#parsed.ms;
  }
}

function msOf(dateTime: string): number {
  return Math.max(0, Math.min(ROWID_MAX_MS, Date.parse(dateTime) || 0));
}
