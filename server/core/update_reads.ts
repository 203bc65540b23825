/**
 * How a client resuming with `since` learns of edits and deletes of messages it
 * already had: with `updatesSince` (the `updates` marks of its last welcome or
 * reply), the reply's envelope carries `updated`, every message an update past
 * those marks touched, as it now is (those in the reply itself left out), and
 * `updates`, the marks to pass next time.
 *
 * Invariant: per origin, the returned marks never pass an update whose message
 * this node cannot show yet (not stored, or held): the client asks again later
 * and learns it then, so no update is skipped.
 * @module
 */

import type { ChatMessage, VectorWire } from "../../common/protocol.ts";
import { decodeVector, encodeVector, type VersionVector } from "../../common/version_vector.ts";
import type { SinceResult } from "./history_reads.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import type { MessageStore, StoredMessage } from "../store/message_store.ts";
import { copiesOfSend } from "./duplicate_copies.ts";

export interface UpdatedSinceQuery {
  chatId?: number;
  updatesSince: VersionVector;
  /** At most this many messages in `updated`. */
  limit: number;
  /** The chats the reader may read (read_access.ts readableChats). */
  readable: (chatId: number) => boolean;
  /** messageIds already in the reply. */
  exclude: ReadonlySet<string>;
}

export interface UpdatedSinceResult {
  updated: ChatMessage[];
  updates: VectorWire;
  more: boolean;
}

const READ_BATCH = 256;

/** The copy a client shows for a stored message (the one that stays, for a hidden duplicate). */
function shownCopy(store: MessageStore, message: StoredMessage): StoredMessage | null {
  if (!message.hidden) return message;
  return copiesOfSend(store, message).find((copy) => !copy.held && !copy.hidden) ?? null;
}

export function readUpdatedSince(
  store: MessageStore,
  marks: VersionVector,
  query: UpdatedSinceQuery,
): UpdatedSinceResult {
  const next = new Map(query.updatesSince);
  const updated: ChatMessage[] = [];
  const seen = new Set(query.exclude);
  for (const [origin, upTo] of marks) {
    let cursor = next.get(origin) ?? 0;
    origin: while (cursor < upTo) {
      const records = store.readUpdatesAfter(origin, cursor, Math.min(READ_BATCH, upTo - cursor));
      if (records.length === 0) break;
      for (const record of records) {
        const message = store.getMessage(record.messageNodeId, record.messageSeq);
        if (!message || message.held) break origin;
        if (updated.length === query.limit) {
          next.set(origin, cursor);
          return { updated, updates: encodeVector(next), more: true };
        }
        cursor = record.seq;
        const shown = shownCopy(store, message);
        if (
          shown && !seen.has(shown.messageId) &&
          (query.chatId === undefined || shown.chatId === query.chatId) &&
          query.readable(shown.chatId)
        ) {
          seen.add(shown.messageId);
          updated.push(toWireMessage(shown));
        }
      }
    }
    if (cursor > 0) next.set(origin, cursor);
  }
  return { updated, updates: encodeVector(next), more: false };
}

/** A `since` reply with `updated` and `updates` added for a request that named `updatesSince`. */
export function withUpdatedSince(
  store: MessageStore,
  updateMarks: VectorWire,
  result: SinceResult,
  query: {
    chatId?: number;
    updatesSince: VectorWire;
    limit: number;
    readable: (chatId: number) => boolean;
  },
): SinceResult {
  const updated = readUpdatedSince(store, decodeVector(updateMarks) ?? new Map(), {
    chatId: query.chatId,
    updatesSince: decodeVector(query.updatesSince) ?? new Map(),
    limit: query.limit,
    readable: query.readable,
    exclude: new Set(result.messages.map((m) => m.messageId)),
  });
  return {
    ...result,
    more: result.more || updated.more,
    updated: updated.updated,
    updates: updated.updates,
  };
}
