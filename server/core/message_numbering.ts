/**
 * The numbering of messages on one node: the seq its next own message gets,
 * the contiguity of every origin's seqs (held ones past a gap included), the
 * committed marks clients and peers are served up to, and the hybrid clock
 * that stamps local messages and observes remote ones.
 *
 * Invariants: committed only moves up, and only after the commit that made a
 * seq visible is durable (the visibility step moves it, message_visibility.ts);
 * nextSeq is one past this node's contiguous mark, so its own seqs stay gapless
 * whatever a rolled-back batch had numbered (reload()).
 * @module
 */

import type { ContiguityOutcome, ContiguityTracker } from "../../common/contiguity_tracker.ts";
import type { HybridLogicalClock } from "../../common/hybrid_logical_clock.ts";
import { encodeMessageId, MAX_SEQ } from "../../common/message_id.ts";
import type { ReplicatedMessage } from "../../common/peer_update_protocol.ts";
import type { ChatMessage, NewMessagePayload } from "../../common/protocol.ts";
import { mergeVectors, type VersionVector } from "../../common/version_vector.ts";
import type { MessageStore } from "../store/message_store.ts";
import { marksFromStore } from "./store_marks.ts";

export class MessageNumbering {
  readonly nodeId: number;
  readonly clock: HybridLogicalClock;
  #store: MessageStore;
  #tracker: ContiguityTracker;
  /** Per origin, the contiguous mark of durable visible messages: what is served. */
  #committed: VersionVector;
  #nextSeq: number;

  constructor(store: MessageStore, nodeId: number, clock: HybridLogicalClock) {
    this.nodeId = nodeId;
    this.clock = clock;
    this.#store = store;
    const { marks, tracker, nextSeq } = marksFromStore(store, nodeId);
    this.#committed = new Map(marks);
    this.#tracker = tracker;
    this.#nextSeq = nextSeq;
  }

  /** The committed marks themselves (the visibility step moves them after each commit). */
  get committed(): VersionVector {
    return this.#committed;
  }

  heldBackCount(): number {
    return this.#tracker.heldBackCount();
  }

  /** Inside a commit: the next seq and a stamp for a local message; null past the seq space. */
  number(input: NewMessagePayload): ChatMessage | null {
    if (this.#nextSeq > MAX_SEQ) return null;
    const seq = this.#nextSeq++;
    this.#tracker.add(this.nodeId, seq);
    const stamp = this.clock.now();
    const message: ChatMessage = {
      messageId: encodeMessageId(this.nodeId, seq),
      nodeId: this.nodeId,
      seq,
      chatId: input.chatId,
      text: input.text,
      sender: input.sender,
      dateTime: stamp.dateTime,
      lc: stamp.lc,
    };
    if (input.clientMsgId !== undefined) message.clientMsgId = input.clientMsgId;
    return message;
  }

  /** The seq this node's next own message gets. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /**
   * A peer's message that passed the screen (remote_screen.ts: never one of this node's
   * own seqs ahead of nextSeq): tracked (a duplicate, held past a gap, or the range it
   * makes contiguous); unless a duplicate, its stamp is observed.
   */
  track(message: ReplicatedMessage): ContiguityOutcome {
    const outcome = this.#tracker.add(message.nodeId, message.seq);
    if (outcome.kind !== "duplicate") this.clock.observe(message);
    return outcome;
  }

  /** After a failed commit: the numbering and held seqs again as the store has them. */
  reload(): void {
    const { marks, tracker, nextSeq } = marksFromStore(this.#store, this.nodeId);
    this.#tracker = tracker;
    this.#nextSeq = nextSeq;
    for (const [nodeId, seq] of mergeVectors(this.#committed, marks)) {
      this.#committed.set(nodeId, seq);
    }
  }
}
