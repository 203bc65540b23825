/**
 * What clients read: history pages (newest first cut, canonical order) and
 * `since` pages (resume after a version vector), each bounded by a count limit
 * and by REPLY_MAX_BYTES, with `more` and the next vector to continue.
 *
 * Invariant: a `since` page is, per origin, a seq-prefix of what lies past the
 * asked vector (canonical order agrees with seq order within one origin), so the
 * returned vector never skips a message the reader has not been given.
 * @module
 */

import { compareCanonical } from "../../common/canonical_order.ts";
import { decodeMessageId } from "../../common/message_id.ts";
import type { ChatMessage, ProtocolError, VectorWire } from "../../common/protocol.ts";
import { encodeVector, type VersionVector } from "../../common/version_vector.ts";
import {
  chatInScope,
  type ChatScope,
  type MessageStore,
  type StoredMessage,
} from "../store/message_store.ts";

export interface HistoryQuery {
  chatId?: number;
  /** A messageId: only messages before it in canonical order. */
  before?: string;
  limit: number;
  /** Without chatId: only chats in this scope (the reader's access). */
  scope?: ChatScope;
}

export interface SinceQuery {
  chatId?: number;
  since: VersionVector;
  limit: number;
  /** Without chatId: only chats in this scope (the reader's access). */
  scope?: ChatScope;
}

export type HistoryResult =
  | { ok: true; messages: ChatMessage[]; more: boolean }
  | { ok: false; error: ProtocolError };

export interface SinceResult {
  messages: ChatMessage[];
  more: boolean;
  /** Where to ask `since` for the next page (the node's vector when complete). */
  vector: VectorWire;
  /** With `updatesSince`: older messages changed since, as they now are. */
  updated?: ChatMessage[];
  /** With `updatesSince`: the update marks to pass next time. */
  updates?: VectorWire;
}

/**
 * A history or since reply of more than REPLY_MIN_MESSAGES carries at most about
 * this many bytes (worst-case UTF-8 estimate), whatever its limit: `more` says to
 * ask again. It keeps one reply from filling a client's send buffer past the
 * slow-reader limit.
 */
export const REPLY_MAX_BYTES = 1024 * 1024;

/**
 * The byte cap never cuts a reply below this many messages: the contract's `[]`
 * form is "the latest 100", and an original client cannot page. 100 messages of
 * the longest text, escaped at worst, stay well under the slow-reader limit.
 */
export const REPLY_MIN_MESSAGES = 100;

/** How many of the messages, taken in order, fit in REPLY_MAX_BYTES (at least REPLY_MIN_MESSAGES). */
export function countFitting(messages: readonly ChatMessage[]): number {
  let bytes = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    bytes += 3 * (m.text.length + m.sender.length + (m.clientMsgId?.length ?? 0)) + 200;
    if (bytes > REPLY_MAX_BYTES && i >= REPLY_MIN_MESSAGES) return i;
  }
  return messages.length;
}

/** The newest `limit` visible messages (before `before`), canonical order. */
export function readHistory(store: MessageStore, query: HistoryQuery): HistoryResult {
  let before: StoredMessage | null = null;
  if (query.before !== undefined) {
    const key = decodeMessageId(query.before);
    before = key ? store.getMessage(key.nodeId, key.seq) : null;
    // A message of a chat the reader may not read is not there for it (no oracle).
    if (before && query.scope && !chatInScope(query.scope, before.chatId)) before = null;
    if (!before) {
      return { ok: false, error: { code: "not_found", message: "before names no message" } };
    }
  }
  const rows = store.history({
    chatId: query.chatId,
    before: before ?? undefined,
    limit: query.limit + 1,
    scope: query.scope,
  });
  let messages = rows.length > query.limit ? rows.slice(1) : rows;
  let more = rows.length > query.limit;
  const fitting = countFitting(messages.toReversed());
  if (fitting < messages.length) {
    messages = messages.slice(messages.length - fitting);
    more = true;
  }
  return { ok: true, messages, more };
}

/** Visible messages newer than `since` and up to `committed`, canonical order. */
export function readSince(
  store: MessageStore,
  committed: VersionVector,
  query: SinceQuery,
): SinceResult {
  const rows = store.readSince({
    chatId: query.chatId,
    since: query.since,
    upTo: committed,
    limit: query.limit,
    scope: query.scope,
  }).sort(compareCanonical);
  let messages = rows.length > query.limit ? rows.slice(0, query.limit) : rows;
  const fitting = countFitting(messages);
  if (fitting < messages.length) messages = messages.slice(0, fitting);
  const more = messages.length < rows.length;
  const next = new Map(query.since);
  if (more) {
    for (const m of messages) if (m.seq > (next.get(m.nodeId) ?? 0)) next.set(m.nodeId, m.seq);
  } else {
    for (const [nodeId, seq] of committed) {
      if (seq > (next.get(nodeId) ?? 0)) next.set(nodeId, seq);
    }
  }
  return { messages, more, vector: encodeVector(next) };
}
