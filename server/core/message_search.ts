/**
 * `search` and `GET /api/search` (PROTOCOL.md section 7): a query's terms
 * (common/search_terms.ts) over the chats the reader may read, newest first,
 * one page at a time with `before` as the cursor.
 *
 * Invariant: a message the reader may not read is never in a result, and a
 * chat it names that it may not read is refused with `forbidden`.
 * @module
 */

import { decodeMessageId } from "../../common/message_id.ts";
import {
  type ChatMessage,
  Limits,
  type ProtocolError,
  type SearchRequestPayload,
} from "../../common/protocol.ts";
import { searchTermsOf } from "../../common/search_terms.ts";
import type { MessageStore } from "../store/message_store.ts";
import { mayRead, type Reader } from "./read_access.ts";

export type SearchOutcome =
  | { ok: true; messages: ChatMessage[]; more: boolean; before?: string }
  | { ok: false; error: ProtocolError };

export function searchMessages(
  store: MessageStore,
  query: SearchRequestPayload,
  reader: Reader,
): SearchOutcome {
  if (query.chatId !== undefined && !mayRead(reader, query.chatId)) {
    return { ok: false, error: { code: "forbidden", message: "this chat is not readable" } };
  }
  const before = query.before === undefined ? undefined : decodeMessageId(query.before);
  if (before === null) {
    return { ok: false, error: { code: "bad_frame", message: "before must be a messageId" } };
  }
  const result = store.search({
    terms: searchTermsOf(query.q),
    chatId: query.chatId,
    before,
    limit: query.limit ?? Limits.searchDefaultLimit,
    accept: (message) => mayRead(reader, message.chatId),
  });
  const outcome: SearchOutcome = { ok: true, messages: result.messages, more: result.more };
  if (result.more && result.next !== undefined) outcome.before = result.next;
  return outcome;
}
