/**
 * Pure tie-break rules every node applies the same way, so replicas converge
 * without coordination: which copy of a duplicated (sender, clientMsgId) wins,
 * and which name a chat id ends up with.
 *
 * Invariant: both functions are deterministic and symmetric (the answer does not
 * depend on which side is "existing").
 * @module
 */

import type { ChatRecord } from "./message_store.ts";

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
