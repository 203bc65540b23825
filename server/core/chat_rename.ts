/**
 * Renaming a chat (an extension of the contract, docs/SERVER.md), as pure
 * rules every node applies the same way: who may rename (the chat's creator,
 * by name), and which name a chat shows when records meet (the latest rename
 * by the hybrid clock, then the node id: last writer wins, so concurrent
 * renames converge), on top of preferChat's choice of the creation.
 *
 * Invariant: mergeChat is deterministic and symmetric (the same name whichever
 * record is "existing"), and returns `existing` itself when nothing changes.
 * @module
 */

import type { RenameStamp } from "../store/message_store.ts";
import { preferChat, type ReplicatedChat } from "./chat_rules.ts";

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
