/**
 * Pure rules every node applies the same way, so replicas converge without
 * coordination: which copies of (sender, clientMsgId) are one send (the same
 * chat and text: a true retry) and which of them wins, which name a chat id ends
 * up with (renames: chat_rename.ts), how a private chat's members merge, and
 * what a peer's message or chat must look like.
 *
 * Invariant: the tie-breaks are deterministic and symmetric (the answer does not
 * depend on which side is "existing").
 * @module
 */

import { isWellFormedText } from "../../common/client_frame_validation.ts";
import { isContractDateTime, LOGICAL_COUNTER_MAX } from "../../common/hybrid_logical_clock.ts";
import { encodeMessageId, MAX_SEQ } from "../../common/message_id.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type { ReplicatedMessage } from "../../common/peer_update_protocol.ts";
import type { ChatRecord } from "../store/message_store.ts";
import { isPrivateChatId } from "./chat_access.ts";

/** What travels between nodes for a chat. */
export type ReplicatedChat = Omit<ChatRecord, "lastMessageAt"> & { lastMessageAt?: string };

/** The part of a message that tells whether two copies are one send. */
export interface SendContent {
  chatId: number;
  text: string;
  /** Set once edited (section 7): the text is no longer the original. */
  edit?: unknown;
  deleted?: boolean;
}

/**
 * True when two messages with the same (sender, clientMsgId) are one send retried: the
 * same chat and the same text. Another text under a known key is not a retry (a client
 * bug, or someone who read the key and forged it): it never hides the first. Once either
 * copy was edited or deleted its original text is gone, so the same chat decides: its
 * revision then merges with the others' and the edit shows (an unedited copy's text is
 * below every edit), so a later forgery still cannot show its text over the first's.
 */
export function isSameSend(a: SendContent, b: SendContent): boolean {
  if (a.chatId !== b.chatId) return false;
  if (a.edit !== undefined || a.deleted === true || b.edit !== undefined || b.deleted === true) {
    return true;
  }
  return a.text === b.text;
}

/** True when a's (nodeId, seq) is lower than b's: a wins a duplicate. */
export function isLowerKey(
  a: { nodeId: number; seq: number },
  b: { nodeId: number; seq: number },
): boolean {
  return a.nodeId < b.nodeId || (a.nodeId === b.nodeId && a.seq < b.seq);
}

/**
 * The chat record to keep: a named chat beats an implicit `chat <id>`; between
 * two of the same kind the earliest (createdAt, createdLc, createdBy) wins, then
 * the name decides. Returns `existing` itself when it stays.
 */
export function preferChat<T extends ReplicatedChat>(
  existing: T | undefined,
  incoming: T,
): T {
  if (!existing) return incoming;
  if (existing.named !== incoming.named) return existing.named ? existing : incoming;
  const order = existing.createdAt.localeCompare(incoming.createdAt) ||
    existing.createdLc - incoming.createdLc || existing.createdBy - incoming.createdBy ||
    existing.name.localeCompare(incoming.name);
  return order <= 0 ? existing : incoming;
}

/**
 * True when a peer's message has every field of the right type and range: valid
 * Unicode text (a lone surrogate would be stored changed), a real instant, and a
 * logical counter the clock can still count past. Checked here too, behind the
 * peer parser, because every replication path (mesh, backbone) ends here.
 */
export function isAcceptableRemote(m: ChatMessage): boolean {
  return typeof m === "object" && m !== null && Number.isSafeInteger(m.nodeId) &&
    m.nodeId >= 0 && Number.isSafeInteger(m.seq) && m.seq >= 1 && m.seq <= MAX_SEQ &&
    Number.isSafeInteger(m.chatId) && m.chatId >= 0 && isText(m.text) && isText(m.sender) &&
    isContractDateTime(m.dateTime) && Number.isSafeInteger(m.lc) && m.lc >= 0 &&
    m.lc <= LOGICAL_COUNTER_MAX && (m.clientMsgId === undefined || isText(m.clientMsgId));
}

function isText(value: unknown): value is string {
  return typeof value === "string" && isWellFormedText(value);
}

/**
 * The wire fields and revision only, messageId recomputed (never trusted from a peer).
 * editedAt follows from the edit stamp; duplicateOf is a client event, not a peer's say.
 * Built field by field: it runs once per message a peer sends (a catch-up's million).
 */
export function normalizeRemote(m: ReplicatedMessage): ReplicatedMessage {
  const deleted = m.deleted === true;
  const message: ReplicatedMessage = {
    messageId: encodeMessageId(m.nodeId, m.seq),
    nodeId: m.nodeId,
    seq: m.seq,
    chatId: m.chatId,
    text: deleted ? "" : m.text,
    sender: m.sender,
    dateTime: m.dateTime,
    lc: m.lc,
  };
  if (m.clientMsgId !== undefined) message.clientMsgId = m.clientMsgId;
  if (deleted) message.deleted = true;
  if (m.edit) message.edit = { dateTime: m.edit.dateTime, lc: m.edit.lc, nodeId: m.edit.nodeId };
  if (m.edit && !deleted) message.editedAt = m.edit.dateTime;
  return message;
}

/** A peer's chat with the tie-break fields filled in when absent (they then lose ties). */
export function completeChat(chat: Partial<ReplicatedChat>): ReplicatedChat | null {
  if (
    typeof chat !== "object" || chat === null || !Number.isSafeInteger(chat.chatId) ||
    chat.chatId! < 0 || typeof chat.name !== "string" || chat.name.length === 0
  ) return null;
  const complete: ReplicatedChat = {
    chatId: chat.chatId!,
    name: chat.name,
    named: typeof chat.named === "boolean" ? chat.named : chat.name !== `chat ${chat.chatId}`,
    createdAt: typeof chat.createdAt === "string" ? chat.createdAt : "9999-12-31T23:59:59.999Z",
    createdLc: Number.isSafeInteger(chat.createdLc) ? chat.createdLc! : 0,
    createdBy: Number.isSafeInteger(chat.createdBy) ? chat.createdBy! : 0,
  };
  if (typeof chat.creator === "string" && chat.creator !== "") complete.creator = chat.creator;
  const renamed = chat.renamed;
  if (
    renamed && isContractDateTime(renamed.at) &&
    Number.isSafeInteger(renamed.lc) && Number.isSafeInteger(renamed.by)
  ) complete.renamed = { at: renamed.at, lc: renamed.lc, by: renamed.by };
  if (isPrivateChatId(complete.chatId)) {
    complete.members = Array.isArray(chat.members)
      ? mergeMembers([], chat.members.filter((m) => typeof m === "string"))
      : [];
  }
  return complete;
}

/** The union of two member lists, sorted (membership only grows, so replicas converge). */
export function mergeMembers(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
