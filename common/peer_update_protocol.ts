/**
 * The section 7 part of the peer protocol: how edits, deletes and typing travel
 * between nodes, and their validation.
 *
 * - A replicated message carries its revision: `edit` (the stamp of the edit
 *   its text comes from) and `deleted` (then its text is "").
 * - An update (an edit or a delete asked for on node nodeId, its seq-th) carries
 *   the target's revision as the sending node knows it; numbered per origin
 *   without gaps, apart from messages, so message seqs stay gapless.
 * - Frames: `peerUpdates` (live), `updateSyncRequest` / `updateSyncReply`
 *   (anti-entropy of the update log, like messages'), `peerTyping` (live only).
 *
 * Invariant: every parsed revision is consistent: deleted means text "", not
 * deleted means 1..4000 characters.
 * @module
 */

import type { EditStamp, MessageRevision } from "./message_revision.ts";
import {
  charLength,
  fail as failCheck,
  isIntAtLeast,
  isRecord,
  isWellFormedText,
} from "./field_checks.ts";
import { parseChatMessage } from "./chat_message.ts";
import { isContractDateTime, LOGICAL_COUNTER_MAX } from "./hybrid_logical_clock.ts";
import { decodeMessageId } from "./message_id.ts";
import { type ChatMessage, Limits, type Parsed, type TypingEventPayload } from "./protocol.ts";
import { decodeVector } from "./version_vector.ts";

export const PeerUpdateFrameType = {
  updates: "peerUpdates",
  syncRequest: "updateSyncRequest",
  syncReply: "updateSyncReply",
  typing: "peerTyping",
} as const;

/** A message as it replicates between nodes: its revision's edit stamp travels along. */
export interface ReplicatedMessage extends ChatMessage {
  /** The edit its text comes from (merged by common/message_revision.ts). */
  edit?: EditStamp;
}

/** One edit or delete, as it replicates. */
export interface ReplicatedUpdate {
  /** The node that took the edit or delete from its client. */
  nodeId: number;
  /** Counts up from 1 per origin, without gaps; a numbering apart from message seqs. */
  seq: number;
  /** The message changed. */
  messageId: string;
  /** The message's revision as the sender knows it (at least this change). */
  text: string;
  edit?: EditStamp;
  deleted?: boolean;
}

export type PeerUpdateFrame =
  | { type: typeof PeerUpdateFrameType.updates; payload: { updates: ReplicatedUpdate[] } }
  | {
    type: typeof PeerUpdateFrameType.syncRequest;
    payload: { requestId: number; vector: Record<string, number> };
  }
  | {
    type: typeof PeerUpdateFrameType.syncReply;
    payload: { requestId: number; updates: ReplicatedUpdate[]; more: boolean };
  }
  | { type: typeof PeerUpdateFrameType.typing; payload: TypingEventPayload };

function fail<T>(message: string): Parsed<T> {
  return failCheck(message);
}

function parseEditStamp(value: unknown): EditStamp | null {
  if (!isRecord(value)) return null;
  const { dateTime, lc, nodeId } = value;
  if (!isContractDateTime(dateTime)) return null;
  if (!isIntAtLeast(lc, 0) || lc > LOGICAL_COUNTER_MAX || !isIntAtLeast(nodeId, 0)) return null;
  return { dateTime, lc, nodeId };
}

/** The revision fields (text, edit?, deleted?) of a replicated message or update. */
export function parseRevision(value: Record<string, unknown>): Parsed<MessageRevision> {
  const deleted = value.deleted === true;
  if (value.deleted !== undefined && typeof value.deleted !== "boolean") return fail("bad deleted");
  const { text } = value;
  if (typeof text !== "string" || !isWellFormedText(text)) return fail("bad text");
  if (deleted ? text !== "" : text.length === 0 || charLength(text) > Limits.textMaxChars) {
    return fail("bad text");
  }
  const revision: MessageRevision = { text, deleted };
  if (value.edit !== undefined) {
    const edit = parseEditStamp(value.edit);
    if (!edit) return fail("bad edit");
    revision.edit = edit;
  }
  return { ok: true, value: revision };
}

export function parseReplicatedUpdate(value: unknown): Parsed<ReplicatedUpdate> {
  if (!isRecord(value)) return fail("update must be an object");
  const { nodeId, seq, messageId } = value;
  if (!isIntAtLeast(nodeId, 0) || !isIntAtLeast(seq, 1)) return fail("bad update nodeId or seq");
  if (typeof messageId !== "string" || !decodeMessageId(messageId)) return fail("bad messageId");
  const revision = parseRevision(value);
  if (!revision.ok) return revision;
  return { ok: true, value: updateOf(nodeId, seq, messageId, revision.value) };
}

/** An update's wire form from its parts. */
export function updateOf(
  nodeId: number,
  seq: number,
  messageId: string,
  revision: MessageRevision,
): ReplicatedUpdate {
  const update: ReplicatedUpdate = { nodeId, seq, messageId, text: revision.text };
  if (revision.edit) update.edit = { ...revision.edit };
  if (revision.deleted) update.deleted = true;
  return update;
}

/** The revision an update carries. */
export function revisionOfUpdate(update: ReplicatedUpdate): MessageRevision {
  const revision: MessageRevision = { text: update.text, deleted: update.deleted === true };
  if (update.edit) revision.edit = { ...update.edit };
  return revision;
}

/** A message from a peer: the shared message parser, plus the edit stamp its revision carries. */
export function parseReplicatedMessage(value: unknown): Parsed<ReplicatedMessage> {
  const parsed = parseChatMessage(value);
  if (!parsed.ok) return parsed;
  const message: ReplicatedMessage = parsed.value;
  const { edit } = value as Record<string, unknown>;
  if (edit !== undefined) {
    const stamp = parseEditStamp(edit);
    if (!stamp) return fail("bad edit");
    message.edit = stamp;
  }
  return { ok: true, value: message };
}

export function parseReplicatedMessages(value: unknown): Parsed<ReplicatedMessage[]> {
  if (!Array.isArray(value)) return fail("messages must be an array");
  const messages: ReplicatedMessage[] = [];
  for (let index = 0; index < value.length; index++) {
    const parsed = parseReplicatedMessage(value[index]);
    if (!parsed.ok) return fail(`message ${index}: ${parsed.error.message}`);
    messages.push(parsed.value);
  }
  return { ok: true, value: messages };
}

function parseUpdates(value: unknown): Parsed<ReplicatedUpdate[]> {
  if (!Array.isArray(value)) return fail("updates must be an array");
  const updates: ReplicatedUpdate[] = [];
  for (const item of value) {
    const parsed = parseReplicatedUpdate(item);
    if (!parsed.ok) return parsed;
    updates.push(parsed.value);
  }
  return { ok: true, value: updates };
}

/** Parses the payload of a section 7 peer frame; null when the type is not one of them. */
export function parsePeerUpdateFrame(
  type: string,
  payload: Record<string, unknown>,
): Parsed<PeerUpdateFrame> | null {
  switch (type) {
    case PeerUpdateFrameType.updates: {
      const updates = parseUpdates(payload.updates);
      return updates.ok
        ? { ok: true, value: { type, payload: { updates: updates.value } } }
        : updates;
    }
    case PeerUpdateFrameType.syncRequest: {
      if (!isIntAtLeast(payload.requestId, 0)) return fail("bad requestId");
      if (!decodeVector(payload.vector)) return fail("bad vector");
      const vector = payload.vector as Record<string, number>;
      return { ok: true, value: { type, payload: { requestId: payload.requestId, vector } } };
    }
    case PeerUpdateFrameType.syncReply: {
      if (!isIntAtLeast(payload.requestId, 0)) return fail("bad requestId");
      if (typeof payload.more !== "boolean") return fail("bad more");
      const updates = parseUpdates(payload.updates);
      if (!updates.ok) return updates;
      return {
        ok: true,
        value: {
          type,
          payload: { requestId: payload.requestId, updates: updates.value, more: payload.more },
        },
      };
    }
    case PeerUpdateFrameType.typing: {
      const { chatId, name, nodeId } = payload;
      if (!isIntAtLeast(chatId, 0) || !isIntAtLeast(nodeId, 0)) return fail("bad typing ids");
      if (
        typeof name !== "string" || name.length === 0 || charLength(name) > Limits.helloNameMaxChars
      ) return fail("bad typing name");
      return { ok: true, value: { type, payload: { chatId, name, nodeId } } };
    }
  }
  return null;
}
