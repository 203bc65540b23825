/**
 * The numbering a node's store implies: per origin the contiguous mark, the
 * held seqs past it, and the next seq this node gives its own messages. Read at
 * start and again after a failed commit, whose rollback leaves the in-memory
 * numbering ahead of the disk.
 *
 * Invariant: nextSeq is one past this node's contiguous mark, so its own seqs
 * stay gapless whatever a rolled-back batch had numbered.
 * @module
 */

import { ContiguityTracker } from "../../common/contiguity_tracker.ts";
import type { VersionVector } from "../../common/version_vector.ts";
import type { MessageStore } from "../store/message_store.ts";

export interface StoreMarks {
  /** Per origin, the highest seq not held (committed, contiguous). */
  marks: VersionVector;
  /** Contiguity over the marks, with every held seq added. */
  tracker: ContiguityTracker;
  /** The seq this node's next own message gets. */
  nextSeq: number;
}

export function marksFromStore(store: MessageStore, nodeId: number): StoreMarks {
  const marks = store.contiguousMarks();
  const tracker = new ContiguityTracker(marks);
  for (const held of store.heldKeys()) tracker.add(held.nodeId, held.seq);
  return { marks, tracker, nextSeq: tracker.mark(nodeId) + 1 };
}
