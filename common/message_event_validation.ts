/**
 * Validation of the section 7 client frames (editMessage, deleteMessage, typing,
 * search) and of `GET /api/search`'s query, at the edge, into typed payloads.
 *
 * Invariant: a search query that passes here is 1..200 characters and is never
 * handed to a query language as is (see common/search_terms.ts).
 * @module
 */

import {
  checkChatId,
  checkMessageId,
  checkOptionalLimit,
  checkString,
  fail,
  isRecord,
} from "./field_checks.ts";
import {
  type DeleteMessagePayload,
  type EditMessagePayload,
  Limits,
  type Parsed,
  type SearchRequestPayload,
  type TypingRequestPayload,
} from "./protocol.ts";

export function checkEditMessage(payload: unknown): Parsed<EditMessagePayload> {
  if (!isRecord(payload)) return fail("payload must be an object {messageId, text}");
  const messageId = checkMessageId(payload.messageId);
  if (!messageId.ok) return messageId;
  const text = checkString(payload.text, "text", Limits.textMaxChars);
  if (!text.ok) return text;
  return { ok: true, value: { messageId: messageId.value, text: text.value } };
}

export function checkDeleteMessage(payload: unknown): Parsed<DeleteMessagePayload> {
  if (!isRecord(payload)) return fail("payload must be an object {messageId}");
  const messageId = checkMessageId(payload.messageId);
  return messageId.ok ? { ok: true, value: { messageId: messageId.value } } : messageId;
}

export function checkTyping(payload: unknown): Parsed<TypingRequestPayload> {
  if (!isRecord(payload)) return fail("payload must be an object {chatId}");
  const chatId = checkChatId(payload.chatId);
  return chatId.ok ? { ok: true, value: { chatId: chatId.value } } : chatId;
}

export function checkSearch(payload: unknown): Parsed<SearchRequestPayload> {
  if (!isRecord(payload)) return fail("payload must be an object {q, chatId?, limit?, before?}");
  const q = checkString(payload.q, "q", Limits.searchQueryMaxChars);
  if (!q.ok) return q;
  const value: SearchRequestPayload = { q: q.value };
  if (payload.chatId !== undefined && payload.chatId !== null) {
    const chatId = checkChatId(payload.chatId);
    if (!chatId.ok) return chatId;
    value.chatId = chatId.value;
  }
  const limit = checkOptionalLimit(payload.limit ?? undefined, Limits.searchLimitMax);
  if (!limit.ok) return limit;
  if (limit.value !== undefined) value.limit = limit.value;
  if (payload.before !== undefined && payload.before !== null) {
    const before = checkMessageId(payload.before, "before");
    if (!before.ok) return before;
    value.before = before.value;
  }
  return { ok: true, value };
}

/** `GET /api/search?q=&chatId=&limit=&before=` as the same payload `search` takes. */
export function parseSearchQuery(params: URLSearchParams): Parsed<SearchRequestPayload> {
  const raw: Record<string, unknown> = { q: params.get("q") ?? undefined };
  const chatId = params.get("chatId");
  if (chatId !== null && chatId !== "") {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(chatId)) return fail("chatId must be an integer >= 0");
    raw.chatId = Number(chatId);
  }
  const limit = params.get("limit");
  if (limit !== null && limit !== "") {
    if (!/^[0-9]{1,4}$/.test(limit)) return fail(`limit must be 1..${Limits.searchLimitMax}`);
    raw.limit = Number(limit);
  }
  const before = params.get("before");
  if (before !== null && before !== "") raw.before = before;
  return checkSearch(raw);
}
