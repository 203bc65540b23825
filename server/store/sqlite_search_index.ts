/**
 * The SQLite store's full-text search: an FTS5 index (schema_migrations.ts, version 2) of
 * every visible, not deleted message's text, and the paged search over it.
 *
 * New messages are not indexed in the commit that stores them (FTS5 costs about
 * as much per message as the rest of the write path, more in small batches):
 * their rowids go to a backlog table, and indexBacklog() indexes a batch later,
 * when the node has time (server/core/search_indexer.ts). A search covers the
 * backlog by matching its newest rows in JS (common/search_terms.ts, at most
 * MAX_BACKLOG_SCAN_ROWS of them), so a message is found from its commit on
 * unless a burst left more than that waiting. Changes of state or revision of
 * an indexed row re-index it at once.
 *
 * Invariants: every visible, not deleted message is in the index or in the
 * backlog (never both); a user's query reaches FTS5 only as quoted words built
 * from common/search_terms.ts (no query syntax passes through).
 * @module
 */

import type { Database, Statement } from "bun:sqlite";
import { type SearchTerm, textMatches } from "../../common/search_terms.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type { StoreSearchQuery, StoreSearchResult } from "./message_store.ts";
import { MESSAGE_COLUMNS, type MessageRow, toWire } from "./sqlite_message_rows.ts";

/**
 * What a visible, not deleted message puts in the index: external content (the index
 * holds no copy of the text, only its tokens) with FTS5 secure-delete, so a removed row
 * leaves no token behind (a contentless index would only mark it deleted and keep its
 * tokens until a merge). The index rowid is the message's rowid NEGATED: FTS5 reads a
 * long list forward lazily but must load all of it to read it backwards, so newest first
 * is its ascending order. (It never reads the content table: queries ask for rowids only,
 * and a row leaves with its values given.) `chat_id` is one token, for the chat filter.
 * Prefix lists of 2 and 3 characters: a short prefix ("ca") would otherwise merge the
 * lists of every word it begins (hundreds of ms on a million messages).
 */
const SEARCH_INDEX_ROW =
  "SELECT -rowid, text, chat_id FROM messages WHERE held = 0 AND hidden = 0 AND deleted = 0";

type Params = Array<string | number | null>;

/**
 * A search matches at most this many of the newest backlog rows in JS (about 25 ms); older
 * rows of a backlog past it are found once indexed. Without a bound, one search right after a
 * long burst (200,000 rows waiting) held the node's event loop for half a second.
 */
export const MAX_BACKLOG_SCAN_ROWS = 10_000;

/** The FTS5 match expression for terms: every word in the text column, the chat as a filter. */
export function matchExpression(terms: readonly SearchTerm[], chatId?: number): string {
  const words = terms.map((term) =>
    `"${term.word.replaceAll('"', '""')}"${term.prefix ? "*" : ""}`
  );
  const text = `text : (${words.join(" ")})`;
  return chatId === undefined ? text : `${text} AND chat_id : "${chatId}"`;
}

interface Hit {
  rowid: number;
  message: ChatMessage;
}

export class SqliteSearchIndex {
  #statements: Record<string, Statement<unknown, Params>>;
  #backlogSize: number;

  constructor(db: Database) {
    const prepare = (sql: string) => db.prepare<unknown, Params>(sql);
    this.#statements = {
      indexOne: prepare(
        `INSERT INTO message_search (rowid, text, chat_id) ${SEARCH_INDEX_ROW} AND rowid = ?`,
      ),
      // External content: the row's indexed values, read before they change.
      unindex: prepare(
        `INSERT INTO message_search (message_search, rowid, text, chat_id)
         SELECT 'delete', -rowid, text, chat_id FROM messages WHERE rowid = ?`,
      ),
      enqueue: prepare("INSERT OR IGNORE INTO search_backlog (rowid) VALUES (?)"),
      queued: prepare("SELECT 1 AS queued FROM search_backlog WHERE rowid = ?"),
      backlogSize: prepare("SELECT COUNT(*) AS count FROM search_backlog"),
      backlogBatch: prepare("SELECT rowid FROM search_backlog ORDER BY rowid LIMIT ?"),
      indexMany: prepare(
        `INSERT INTO message_search (rowid, text, chat_id) ${SEARCH_INDEX_ROW}
         AND rowid IN (SELECT value FROM json_each(?))`,
      ),
      dequeueMany: prepare(
        "DELETE FROM search_backlog WHERE rowid IN (SELECT value FROM json_each(?))",
      ),
      backlogRows: prepare(
        `SELECT m.rowid AS rowid, ${MESSAGE_COLUMNS.split(", ").map((c) => `m.${c}`).join(", ")}
         FROM search_backlog b JOIN messages m ON m.rowid = b.rowid
         WHERE m.held = 0 AND m.hidden = 0 AND m.deleted = 0 AND b.rowid < ?
         ORDER BY b.rowid DESC LIMIT ${MAX_BACKLOG_SCAN_ROWS}`,
      ),
      // Index rowids are negated message rowids: ascending is newest first.
      match: prepare(
        `SELECT -rowid AS message_rowid FROM message_search
         WHERE message_search MATCH ? AND rowid > ? ORDER BY rowid ASC`,
      ),
      byRowid: prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE rowid = ?`),
      rowidOf: prepare("SELECT rowid FROM messages WHERE node_id = ? AND seq = ?"),
    };
    this.#backlogSize = (this.#statements.backlogSize.get() as { count: number }).count;
  }

  /** A searchable row was inserted: it waits in the backlog. */
  inserted(rowid: number): void {
    this.#statements.enqueue.run(rowid);
    this.#backlogSize += 1;
  }

  /**
   * A row's state or text is about to change: drop what the index holds for it.
   * `indexed` says whether it is searchable now (visible and not deleted).
   */
  beforeChange(rowid: number, indexed: boolean): void {
    if (indexed && !this.#isQueued(rowid)) this.#statements.unindex.run(rowid);
  }

  /** A row's state or text changed: index it again if it is searchable now. */
  afterChange(rowid: number): void {
    if (!this.#isQueued(rowid)) this.#statements.indexOne.run(rowid);
  }

  /** Rows waiting in the backlog (counted here; rolled-back inserts are recounted by reset()). */
  backlogSize(): number {
    return this.#backlogSize;
  }

  /**
   * Sets the backlog's size as this index's connection sees it (the store's reader sees the
   * backlog as of its snapshot, which the writer's count may have passed).
   */
  setBacklogSize(rows: number): void {
    this.#backlogSize = rows;
  }

  /** Recounts the backlog (after a rolled-back transaction). */
  reset(): void {
    this.#backlogSize = (this.#statements.backlogSize.get() as { count: number }).count;
  }

  /** Inside a transaction: indexes up to maxRows of the backlog, oldest first; returns how many. */
  indexBacklog(maxRows: number): number {
    const rows = this.#statements.backlogBatch.all(maxRows) as Array<{ rowid: number }>;
    if (rows.length === 0) return 0;
    const rowids = JSON.stringify(rows.map((row) => row.rowid));
    this.#statements.indexMany.run(rowids);
    this.#statements.dequeueMany.run(rowids);
    this.#backlogSize = Math.max(0, this.#backlogSize - rows.length);
    return rows.length;
  }

  finalize(): void {
    for (const statement of Object.values(this.#statements)) statement.finalize();
  }

  search(query: StoreSearchQuery): StoreSearchResult {
    if (query.terms.length === 0) return { messages: [], more: false };
    let beforeRowid = Number.MAX_SAFE_INTEGER;
    if (query.before) {
      const row = this.#statements.rowidOf.get(query.before.nodeId, query.before.seq) as
        | { rowid: number }
        | null;
      if (!row) return { messages: [], more: false };
      beforeRowid = row.rowid;
    }
    const maxScanned = query.maxScanned ?? 10 * query.limit + 1000;
    const messages: ChatMessage[] = [];
    let scanned = 0;
    let lastScanned: string | undefined;
    for (const hit of this.#hits(query, beforeRowid)) {
      if (messages.length === query.limit || scanned === maxScanned) {
        return { messages, more: true, next: lastScanned };
      }
      scanned += 1;
      lastScanned = hit.message.messageId;
      if (!query.accept || query.accept(hit.message)) messages.push(hit.message);
    }
    return { messages, more: false };
  }

  /** Matches from the index and from the backlog, merged newest (highest rowid) first. */
  *#hits(query: StoreSearchQuery, beforeRowid: number): Generator<Hit> {
    const queued = this.#backlogMatches(query, beforeRowid);
    let next = 0;
    const match = matchExpression(query.terms, query.chatId);
    for (const row of this.#statements.match.iterate(match, -beforeRowid)) {
      const rowid = (row as { message_rowid: number }).message_rowid;
      while (next < queued.length && queued[next].rowid > rowid) yield queued[next++];
      const found = this.#statements.byRowid.get(rowid) as MessageRow | null;
      if (found) yield { rowid, message: toWire(found) };
    }
    while (next < queued.length) yield queued[next++];
  }

  #backlogMatches(query: StoreSearchQuery, beforeRowid: number): Hit[] {
    if (this.#backlogSize === 0) return [];
    const hits: Hit[] = [];
    for (const row of this.#statements.backlogRows.iterate(beforeRowid)) {
      const found = row as MessageRow & { rowid: number };
      if (query.chatId !== undefined && found.chat_id !== query.chatId) continue;
      if (textMatches(found.text, query.terms)) {
        hits.push({ rowid: found.rowid, message: toWire(found) });
      }
    }
    return hits;
  }

  #isQueued(rowid: number): boolean {
    return this.#backlogSize > 0 && this.#statements.queued.get(rowid) !== null;
  }
}
