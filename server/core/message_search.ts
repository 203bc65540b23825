/**
 * `search` and `GET /api/search` (PROTOCOL.md section 7): a query's terms
 * (common/search_terms.ts) over the chats the reader may read, newest first,
 * one page at a time with `before` as the cursor.
 *
 * Invariant: a message the reader may not read (read_access.ts) is never in a
 * result, and a chat it names that it may not read is refused with `forbidden`.
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
import type { Identity } from "./chat_access.ts";
import { readableChats, type ReadAccess } from "./read_access.ts";

export type SearchOutcome =
  | { ok: true; messages: ChatMessage[]; more: boolean; before?: string }
  | { ok: false; error: ProtocolError };

export function searchMessages(
  store: MessageStore,
  query: SearchRequestPayload,
  reader: { identity: Identity; access: ReadAccess },
): SearchOutcome {
  const { identity, access } = reader;
  const forbidden = query.chatId === undefined
    ? undefined
    : access.checkChat(query.chatId, identity);
  if (forbidden) return { ok: false, error: forbidden };
  const before = query.before === undefined ? undefined : decodeMessageId(query.before);
  if (before === null) {
    return { ok: false, error: { code: "bad_frame", message: "before must be a messageId" } };
  }
  const readable = readableChats(access, identity);
  // A cursor in a chat the reader may not read is no cursor for it (no oracle).
  const cursor = before && store.getMessage(before.nodeId, before.seq);
  if (cursor && !readable(cursor.chatId)) return { ok: true, messages: [], more: false };
  const result = store.search({
    terms: searchTermsOf(query.q),
    chatId: query.chatId,
    before,
    limit: query.limit ?? Limits.searchDefaultLimit,
    accept: (message) => readable(message.chatId),
  });
  const outcome: SearchOutcome = { ok: true, messages: result.messages, more: result.more };
  if (result.more && result.next !== undefined) outcome.before = result.next;
  return outcome;
}
