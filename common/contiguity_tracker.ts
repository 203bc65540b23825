/**
 * Per-origin contiguity: which seqs of each origin are held, and the highest
 * contiguous one (the version-vector mark). Messages that arrive past a gap
 * are held back until the gap fills; only then do they become visible.
 *
 * Invariant: vector() never reports a seq whose predecessors from the same
 * origin are not all held, and add() reports each seq as newly contiguous at
 * most once.
 * @module
 */

import type { VersionVector } from "./version_vector.ts";

/** What add() did with a seq. */
export type ContiguityOutcome =
  /** Already contiguous or already held back: nothing to do. */
  | { kind: "duplicate" }
  /** Held back behind a gap. */
  | { kind: "held" }
  /** The mark moved: seqs fromSeq..toSeq (inclusive) are newly contiguous, in order. */
  | { kind: "advanced"; fromSeq: number; toSeq: number };

export class ContiguityTracker {
  #marks = new Map<number, number>();
  #heldBack = new Map<number, Set<number>>();

  /** Starts from marks already known contiguous (for example read from a store). */
  constructor(initial?: VersionVector) {
    if (initial) { for (const [nodeId, seq] of initial) this.#marks.set(nodeId, seq); }
  }

  /** Records that seq of nodeId is held. */
  add(nodeId: number, seq: number): ContiguityOutcome {
    if (!Number.isSafeInteger(seq) || seq < 1) {
      throw new RangeError(`Cannot track seq ${seq}: seqs count up from 1`);
    }
    const mark = this.#marks.get(nodeId) ?? 0;
    if (seq <= mark) return { kind: "duplicate" };
    let held = this.#heldBack.get(nodeId);
    if (seq > mark + 1) {
      if (held?.has(seq)) return { kind: "duplicate" };
      if (!held) this.#heldBack.set(nodeId, held = new Set());
      held.add(seq);
      return { kind: "held" };
    }
    let toSeq = seq;
    while (held?.delete(toSeq + 1)) toSeq += 1;
    if (held && held.size === 0) this.#heldBack.delete(nodeId);
    this.#marks.set(nodeId, toSeq);
    return { kind: "advanced", fromSeq: seq, toSeq };
  }

  /** The contiguous mark of one origin, 0 when none. */
  mark(nodeId: number): number {
    return this.#marks.get(nodeId) ?? 0;
  }

  /** True when seq of nodeId is held (contiguous or held back). */
  has(nodeId: number, seq: number): boolean {
    return seq <= this.mark(nodeId) || (this.#heldBack.get(nodeId)?.has(seq) ?? false);
  }

  /** A copy of the contiguous marks. */
  vector(): VersionVector {
    return new Map(this.#marks);
  }

  /** How many seqs are held back behind gaps, over all origins. */
  heldBackCount(): number {
    let count = 0;
    for (const held of this.#heldBack.values()) count += held.size;
    return count;
  }
}
