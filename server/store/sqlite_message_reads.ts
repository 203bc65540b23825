/**
 * The SQLite store's reads of visible messages in order: history (newest
 * `limit` before a point, canonical order) and `since` (per origin between two
 * marks), on whichever connection's statements the store hands them (the
 * durable snapshot outside transactions).
 *
 * Invariant: only visible messages (not held, not hidden) are returned, in the
 * client form.
 * @module
 */

import type { ChatMessage } from "../../common/protocol.ts";
import type { ChatScope, HistoryQuery, SinceQuery } from "./message_store.ts";
import type { MessageStatements } from "./sqlite_message_statements.ts";
import { type MessageRow, toWire } from "./sqlite_message_rows.ts";

/** Sorts after every dateTime: "no before" in one prepared statement. */
const AFTER_ALL_DATE_TIMES = "~";

/** The parameters of a statement's IN_SCOPE clause (sqlite_message_statements.ts). */
function scopeParams(scope: ChatScope): [number, number, string] {
  return [scope.excludeMin, scope.excludeMax, JSON.stringify(scope.except)];
}

/** MessageStore.history() on these statements. */
export function readHistoryRows(statements: MessageStatements, query: HistoryQuery): ChatMessage[] {
  const b = query.before ?? { dateTime: AFTER_ALL_DATE_TIMES, lc: 0, nodeId: 0, seq: 0 };
  const { chatId, scope, limit } = query;
  const rows =
    (chatId !== undefined
      ? statements.historyChat.all(chatId, b.dateTime, b.lc, b.nodeId, b.seq, limit)
      : scope !== undefined
      ? statements.historyScoped.all(
        b.dateTime,
        b.lc,
        b.nodeId,
        b.seq,
        ...scopeParams(scope),
        limit,
      )
      : statements.historyAll.all(b.dateTime, b.lc, b.nodeId, b.seq, limit)) as MessageRow[];
  return rows.reverse().map(toWire);
}

/** MessageStore.readSince() on these statements. */
export function readSinceRows(statements: MessageStatements, query: SinceQuery): ChatMessage[] {
  const result: ChatMessage[] = [];
  for (const [nodeId, upTo] of query.upTo) {
    const from = query.since.get(nodeId) ?? 0;
    if (upTo <= from) continue;
    const { chatId, scope } = query;
    const rows = (chatId !== undefined
      ? statements.sinceChat.all(nodeId, from, upTo, chatId, query.limit + 1)
      : scope !== undefined
      ? statements.sinceScoped.all(nodeId, from, upTo, ...scopeParams(scope), query.limit + 1)
      : statements.sinceAll.all(nodeId, from, upTo, query.limit + 1)) as MessageRow[];
    for (const row of rows) {
      result.push(toWire(row));
    }
  }
  return result;
}
