/**
 * The memory store's search: a scan with common/search_terms.ts's matcher,
 * ordered and paged as the SQLite store's FTS5 search is (newest dateTime ms
 * first, then latest arrival; `before` is exclusive; maxScanned bounds a page).
 * @module
 */

import type { ChatMessage } from "../../common/protocol.ts";
import { textMatches } from "../../common/search_terms.ts";
import type { StoreSearchQuery, StoreSearchResult } from "./message_store.ts";

export interface SearchCandidate {
  message: ChatMessage;
  /** Arrival order in the store. */
  arrival: number;
}

function newerFirst(a: SearchCandidate, b: SearchCandidate): number {
  return Date.parse(b.message.dateTime) - Date.parse(a.message.dateTime) ||
    b.arrival - a.arrival;
}

/**
 * Searches candidates (visible, not deleted messages); `before` is where the
 * query's `before` message sorts (undefined when the query has none, null when
 * that message is not stored).
 */
export function searchMessages(
  candidates: SearchCandidate[],
  query: StoreSearchQuery,
  before?: SearchCandidate | null,
): StoreSearchResult {
  if (query.terms.length === 0 || before === null) return { messages: [], more: false };
  const sorted = candidates.filter((c) =>
    (query.chatId === undefined || c.message.chatId === query.chatId) &&
    (before === undefined || newerFirst(c, before) > 0) &&
    textMatches(c.message.text, query.terms)
  ).sort(newerFirst);
  const maxScanned = query.maxScanned ?? 10 * query.limit + 1000;
  const messages: ChatMessage[] = [];
  let scanned = 0;
  let lastScanned: string | undefined;
  for (const { message } of sorted) {
    if (messages.length === query.limit || scanned === maxScanned) {
      return { messages, more: true, next: lastScanned };
    }
    scanned += 1;
    lastScanned = message.messageId;
    if (!query.accept || query.accept(message)) messages.push(message);
  }
  return { messages, more: false };
}
