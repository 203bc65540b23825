/**
 * A client's `clientSyncRequest` (PROTOCOL.md section 3): with `since`, a
 * resume page (messages past the vector, `more` and the vector to go on from);
 * else a history page (`before`, newest first). Only chats the reader may read:
 * naming a private chat it may not is `forbidden`.
 *
 * Invariant: a `since` answer names the vector it claimed; the session claims it
 * (ClientSocket.claimSince) in the same turn as it sends the reply, so no live
 * frame slips between the two.
 * @module
 */

import {
  type ChatMessage,
  Limits,
  type Parsed,
  type ServerFrame,
  ServerFrameType,
  type SyncRequestPayload,
} from "../../common/protocol.ts";
import { decodeVector, type VersionVector } from "../../common/version_vector.ts";
import type { ChatNode } from "../core/chat_node.ts";
import type { Identity } from "../core/chat_access.ts";

/** The reply to a sync request, and the vector a `since` request claimed. */
export interface SyncAnswer {
  frame: ServerFrame;
  since?: VersionVector;
  /** The messages the reply lists. */
  shown: ChatMessage[];
}

/** Answers a `clientSyncRequest` for reader, or says why not. */
export function answerSync(
  node: ChatNode,
  request: SyncRequestPayload,
  reader: Identity,
  ref: string | undefined,
): Parsed<SyncAnswer> {
  const refused = request.chatId === undefined
    ? undefined
    : node.access.checkChat(request.chatId, reader);
  if (refused) return { ok: false, error: refused };
  if (request.since !== undefined) {
    const since = decodeVector(request.since)!;
    const result = node.since({
      chatId: request.chatId,
      since,
      limit: request.limit ?? Limits.syncLimitMax,
      updatesSince: request.updatesSince,
    }, reader);
    const frame: ServerFrame = {
      type: ServerFrameType.clientSyncReply,
      payload: result.messages,
      more: result.more || undefined,
      vector: result.vector,
      updated: result.updated,
      updates: result.updates,
      ref,
    };
    return { ok: true, value: { frame, since, shown: result.messages } };
  }
  const result = node.history({
    chatId: request.chatId,
    before: request.before,
    limit: request.limit ?? Limits.syncDefaultLimit,
  }, reader);
  if (!result.ok) return { ok: false, error: result.error };
  const more = result.more || undefined;
  const frame: ServerFrame = {
    type: ServerFrameType.clientSyncReply,
    payload: result.messages,
    more,
    ref,
  };
  return { ok: true, value: { frame, shown: result.messages } };
}
