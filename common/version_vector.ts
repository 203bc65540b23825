/**
 * Version vectors: per origin node, the highest CONTIGUOUS seq held. A node that
 * holds seqs 1..5 and 7 of origin A reports A:5, so "everything after my vector"
 * is always a complete answer: nothing below a mark is ever missing.
 *
 * Vectors are plain `Map<nodeId, seq>` values; functions here never mutate
 * their arguments. On the wire a vector is a JSON object with decimal node-id
 * keys (`VectorWire`).
 * @module
 */

import type { VectorWire } from "./protocol.ts";

export type VersionVector = Map<number, number>;

/** How two vectors relate. */
export type VectorOrder = "equal" | "before" | "after" | "concurrent";

/** A range of seqs of one origin that one side lacks: fromSeq..toSeq inclusive. */
export interface MissingRange {
  nodeId: number;
  fromSeq: number;
  toSeq: number;
}

/** The mark of one origin, 0 when nothing is held. */
export function vectorGet(vector: VersionVector, nodeId: number): number {
  return vector.get(nodeId) ?? 0;
}

/** The pointwise maximum. */
export function mergeVectors(a: VersionVector, b: VersionVector): VersionVector {
  const merged = new Map(a);
  for (const [nodeId, seq] of b) {
    if (seq > vectorGet(merged, nodeId)) merged.set(nodeId, seq);
  }
  return merged;
}

/** "before" when a is dominated by b, "after" when a dominates b. */
export function compareVectors(a: VersionVector, b: VersionVector): VectorOrder {
  let aAhead = false;
  let bAhead = false;
  for (const nodeId of new Set([...a.keys(), ...b.keys()])) {
    const x = vectorGet(a, nodeId);
    const y = vectorGet(b, nodeId);
    if (x > y) aAhead = true;
    if (y > x) bAhead = true;
  }
  if (aAhead && bAhead) return "concurrent";
  if (aAhead) return "after";
  if (bAhead) return "before";
  return "equal";
}

/** What `local` lacks of what `remote` holds, one range per origin, by node id. */
export function missingRanges(local: VersionVector, remote: VersionVector): MissingRange[] {
  const ranges: MissingRange[] = [];
  for (const [nodeId, remoteSeq] of remote) {
    const localSeq = vectorGet(local, nodeId);
    if (remoteSeq > localSeq) ranges.push({ nodeId, fromSeq: localSeq + 1, toSeq: remoteSeq });
  }
  return ranges.sort((x, y) => x.nodeId - y.nodeId);
}

/** The sum of all marks: how many messages the vector covers. */
export function vectorTotal(vector: VersionVector): number {
  let total = 0;
  for (const seq of vector.values()) total += seq;
  return total;
}

/** The wire form: decimal node-id keys, zero marks left out. */
export function encodeVector(vector: VersionVector): VectorWire {
  const wire: VectorWire = {};
  for (const nodeId of [...vector.keys()].sort((a, b) => a - b)) {
    const seq = vector.get(nodeId)!;
    if (seq > 0) wire[String(nodeId)] = seq;
  }
  return wire;
}

/** Parses the wire form; null when it is not a vector (bad keys, negative or fractional seqs). */
export function decodeVector(wire: unknown): VersionVector | null {
  if (typeof wire !== "object" || wire === null || Array.isArray(wire)) return null;
  const vector: VersionVector = new Map();
  const entries = Object.entries(wire as Record<string, unknown>);
  if (entries.length > 100_000) return null;
  for (const [key, seq] of entries) {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(key)) return null;
    const nodeId = Number(key);
    if (!Number.isSafeInteger(nodeId)) return null;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) return null;
    if (seq > 0) vector.set(nodeId, seq);
  }
  return vector;
}
