/**
 * Pure rules every node applies the same way, so replicas converge without
 * coordination: which copy of a duplicated (sender, clientMsgId) wins, which
 * record a chat id ends up with (its creation), which name it shows (the latest
 * rename by the hybrid clock), and what a peer's message or chat must look like.
 *
 * Invariant: the tie-breaks are deterministic and symmetric (the answer does not
 * depend on which side is "existing").
 * @module
 */

import { DATE_TIME_PATTERN } from "../../common/hybrid_logical_clock.ts";
import { encodeMessageId, MAX_SEQ } from "../../common/message_id.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import type { ReplicatedMessage } from "../../common/peer_update_protocol.ts";
import type { ChatRecord, RenameStamp } from "../store/message_store.ts";

/** What travels between nodes for a chat. */
export type ReplicatedChat = Omit<ChatRecord, "lastMessageAt"> & { lastMessageAt?: string };

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

/** Orders renames by (hybrid clock time, lc, node); no rename sorts first. */
export function compareRenames(a: RenameStamp | undefined, b: RenameStamp | undefined): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  return a.at.localeCompare(b.at) || a.lc - b.lc || a.by - b.by;
}

function sameCreation(a: ReplicatedChat, b: ReplicatedChat): boolean {
  return a.named === b.named && a.createdAt === b.createdAt && a.createdLc === b.createdLc &&
    a.createdBy === b.createdBy;
}

/**
 * The record a chat id keeps when a peer's record meets this node's: the creation by
 * preferChat, the name of the latest rename of either (last writer wins on the hybrid
 * clock, so concurrent renames converge), the creator from whichever knows it. Returns
 * `existing` itself when nothing changes.
 */
export function mergeChat<T extends ReplicatedChat>(existing: T | undefined, incoming: T): T {
  if (!existing) return incoming;
  const same = sameCreation(existing, incoming);
  const base = same ? existing : preferChat(existing, incoming);
  const renamedBy = compareRenames(existing.renamed, incoming.renamed) >= 0 ? existing : incoming;
  const merged: T = { ...base };
  if (renamedBy.renamed) {
    merged.name = renamedBy.name;
    merged.renamed = renamedBy.renamed;
  }
  const creator = base.creator ?? (same ? (existing.creator ?? incoming.creator) : undefined);
  if (creator !== undefined) merged.creator = creator;
  const unchanged = merged.name === existing.name && merged.creator === existing.creator &&
    compareRenames(merged.renamed, existing.renamed) === 0 && sameCreation(merged, existing);
  return unchanged ? existing : merged;
}

/** Why a rename is refused, as the contract's error codes say it. */
export class RenameRefusedError extends Error {
  readonly code: "forbidden" | "not_found";
  constructor(code: "forbidden" | "not_found", message: string) {
    super(message);
    this.name = "RenameRefusedError";
    this.code = code;
  }
}

/**
 * Undefined when `by` may rename the chat (it created it, by name), else why not: an
 * unknown chat, an implicit `chat <id>` (nobody created it), a chat from before creators
 * were recorded, someone else's chat, or no name said yet.
 */
export function checkRename(
  chat: ReplicatedChat | undefined,
  by: string | undefined,
): RenameRefusedError | undefined {
  if (!chat) return new RenameRefusedError("not_found", "no chat has this chatId");
  if (by === undefined) return new RenameRefusedError("forbidden", "say hello first");
  if (chat.creator === undefined) {
    return new RenameRefusedError("forbidden", "this chat has no known creator to rename it");
  }
  if (chat.creator !== by) {
    return new RenameRefusedError("forbidden", "only the chat's creator can rename it");
  }
  return undefined;
}

/** True when a peer's message has every field of the right type and range. */
export function isAcceptableRemote(m: ChatMessage): boolean {
  return typeof m === "object" && m !== null && Number.isSafeInteger(m.nodeId) &&
    m.nodeId >= 0 && Number.isSafeInteger(m.seq) && m.seq >= 1 && m.seq <= MAX_SEQ &&
    Number.isSafeInteger(m.chatId) && m.chatId >= 0 && typeof m.text === "string" &&
    typeof m.sender === "string" && typeof m.dateTime === "string" &&
    DATE_TIME_PATTERN.test(m.dateTime) && Number.isSafeInteger(m.lc) && m.lc >= 0 &&
    (m.clientMsgId === undefined || typeof m.clientMsgId === "string");
}

/** The wire fields and revision only, messageId recomputed (never trusted from a peer). */
export function normalizeRemote(m: ReplicatedMessage): ReplicatedMessage {
  // editedAt follows from the edit stamp; duplicateOf is a client event, not a peer's say.
  const { editedAt: _editedAt, duplicateOf: _duplicateOf, ...fields } = toWireMessage(m);
  const message: ReplicatedMessage = { ...fields, messageId: encodeMessageId(m.nodeId, m.seq) };
  if (m.edit) message.edit = { dateTime: m.edit.dateTime, lc: m.edit.lc, nodeId: m.edit.nodeId };
  if (m.deleted === true) message.text = "";
  else if (m.edit) message.editedAt = m.edit.dateTime;
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
    renamed && typeof renamed.at === "string" && DATE_TIME_PATTERN.test(renamed.at) &&
    Number.isSafeInteger(renamed.lc) && Number.isSafeInteger(renamed.by)
  ) complete.renamed = { at: renamed.at, lc: renamed.lc, by: renamed.by };
  return complete;
}
