/**
 * The canonical order of messages: (dateTime, lc, nodeId, seq), the same on
 * every node. dateTime strings are fixed-width ISO-8601 UTC, so comparing them
 * as strings is comparing them as instants.
 * @module
 */

export interface CanonicalKey {
  dateTime: string;
  lc: number;
  nodeId: number;
  seq: number;
}

/** Negative when a sorts before b, positive after, 0 for the same message. */
export function compareCanonical(a: CanonicalKey, b: CanonicalKey): number {
  if (a.dateTime !== b.dateTime) return a.dateTime < b.dateTime ? -1 : 1;
  if (a.lc !== b.lc) return a.lc - b.lc;
  if (a.nodeId !== b.nodeId) return a.nodeId - b.nodeId;
  return a.seq - b.seq;
}

/** A sorted copy, canonical order. */
export function sortCanonical<T extends CanonicalKey>(messages: readonly T[]): T[] {
  return [...messages].sort(compareCanonical);
}
