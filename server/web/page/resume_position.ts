/**
 * Where the page resumes after a reconnect: the `since` vector of its next
 * `clientSyncRequest`. Pure, so it is tested on its own.
 *
 * Invariant: for every origin X, every message of X at or below the position
 * has reached the page or is history the page loads on demand (older pages).
 * It only moves by a node's word (a welcome on the first connection, the
 * `vector` of a `since` reply) or by a live message that is exactly the next
 * seq of its origin; never past a message the page has not seen, so asking
 * `since` it can bring duplicates (dropped by the timeline) but never a gap.
 * @module
 */

import type { ChatMessage, VectorWire } from "../../../common/protocol.ts";

export interface ResumePosition {
  /** True once the page has a position (after its first welcome). */
  readonly known: boolean;
  /** Takes a node's vector: the first welcome, or a `since` reply's `vector`. */
  adopt(vector: VectorWire): void;
  /** A live message: moves its origin forward when it is the next seq. */
  observe(message: Pick<ChatMessage, "nodeId" | "seq">): void;
  /** The `since` to ask for. */
  toWire(): VectorWire;
}

export function createResumePosition(): ResumePosition {
  const marks = new Map<number, number>();
  let known = false;
  return {
    get known() {
      return known;
    },
    adopt(vector) {
      known = true;
      for (const [origin, seq] of Object.entries(vector)) {
        const nodeId = Number(origin);
        if (!Number.isSafeInteger(nodeId) || !Number.isSafeInteger(seq)) continue;
        if (seq > (marks.get(nodeId) ?? 0)) marks.set(nodeId, seq);
      }
    },
    observe(message) {
      if (!known) return;
      if (message.seq === (marks.get(message.nodeId) ?? 0) + 1) {
        marks.set(message.nodeId, message.seq);
      }
    },
    toWire() {
      return Object.fromEntries([...marks].map(([nodeId, seq]) => [String(nodeId), seq]));
    },
  };
}
