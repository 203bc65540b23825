/**
 * Where a client stands in the message stream of what it follows (one chat, or
 * every chat), so that after a lost connection it can ask any node for
 * "everything since here" (`clientSyncRequest {since}`) and show each message
 * exactly once. The one rule of both clients and the SDK.
 *
 * Two parts, because a client may see only one chat and some seqs are hidden
 * duplicates (so its own view of an origin is never gapless and a pure
 * ContiguityTracker would stall):
 * - `vector`: per origin, a seq up to which every message it follows has been
 *   accounted for. It only moves by (a) a message received on a connection
 *   whose node delivers each origin in seq order, (b) a position a node gave
 *   (`welcome.vector` of an unbroken subscription, a sync reply's `vector`).
 * - `seen`: the ids (and `(sender, clientMsgId)` keys) already shown, which
 *   absorbs the overlap when a lagging node later delivers what another node
 *   already delivered.
 * - `updates` (section 7): the update marks of edits and deletes accounted for
 *   (a node's `welcome.updates`, a sync reply's `updates`), passed back as
 *   `updatesSince` so a resume also brings the edits and deletes missed.
 *
 * Invariant: accept() returns true at most once per message identity and once
 * per (sender, clientMsgId); the vector never moves backwards.
 * @module
 */

import type { ChatMessage, SyncRequestPayload, VectorWire } from "../common/protocol.ts";
import {
  decodeVector,
  encodeVector,
  mergeVectors,
  type VersionVector,
} from "../common/version_vector.ts";

export interface ResumePositionOptions {
  /** How many shown ids are remembered for deduplication (oldest forgotten first). @default 200_000 */
  maxRemembered?: number;
}

export class ResumePosition {
  #vector: VersionVector = new Map();
  #updates?: VersionVector;
  #seen = new Set<string>();
  #maxRemembered: number;
  #state: "unknown" | "known" = "unknown";

  constructor(options: ResumePositionOptions = {}) {
    this.#maxRemembered = options.maxRemembered ?? 200_000;
    if (!(this.#maxRemembered >= 1)) {
      throw new RangeError("Cannot create ResumePosition: maxRemembered must be >= 1");
    }
  }

  /**
   * False until the position means something: a node's welcome taken in, or a
   * history or resume sync finished. Until then a new connection cannot resume.
   */
  get known(): boolean {
    return this.#state === "known";
  }

  /** The position now accounts for everything it claims (see `known`). */
  markKnown(): void {
    this.#state = "known";
  }

  /** A copy of the vector. */
  vector(): VersionVector {
    return new Map(this.#vector);
  }

  /** The vector in wire form, for `clientSyncRequest {since}`. */
  wire(): VectorWire {
    return encodeVector(this.#vector);
  }

  /** The update marks in wire form (`updatesSince`), once a node gave some. */
  updatesWire(): VectorWire | undefined {
    return this.#updates ? encodeVector(this.#updates) : undefined;
  }

  /** Moves the update marks to the pointwise maximum with marks a node gave. */
  mergeUpdates(updates: VersionVector): void {
    this.#updates = mergeVectors(this.#updates ?? new Map(), updates);
  }

  /** The `clientSyncRequest` of the next resume page from here (one chat, or all). */
  resumeRequest(limit: number, chatId?: number): SyncRequestPayload {
    const payload: SyncRequestPayload = { since: this.wire(), limit };
    if (chatId !== undefined) payload.chatId = chatId;
    const updatesSince = this.updatesWire();
    if (updatesSince) payload.updatesSince = updatesSince;
    return payload;
  }

  /** Takes what a node vouches for: a sync reply's (or a welcome's) vector and update marks. */
  take(position: { vector?: VectorWire; updates?: VectorWire }): void {
    const vector = position.vector === undefined ? null : decodeVector(position.vector);
    if (vector) this.mergeVector(vector);
    const updates = position.updates === undefined ? null : decodeVector(position.updates);
    if (updates) this.mergeUpdates(updates);
  }

  /** Moves the vector to the pointwise maximum with a position a node gave. */
  mergeVector(vector: VersionVector): void {
    this.#vector = mergeVectors(this.#vector, vector);
  }

  /** True when this message (or another copy of the same client send) was already accepted. */
  hasSeen(message: ChatMessage): boolean {
    if (this.#seen.has(identityKey(message))) return true;
    const clientKey = clientSendKey(message);
    return clientKey !== undefined && this.#seen.has(clientKey);
  }

  /**
   * Records a message received from a node and advances the vector past it.
   * Returns true when it is new (show it), false for a copy already shown.
   */
  accept(message: ChatMessage): boolean {
    const isNew = !this.hasSeen(message);
    if (isNew) {
      this.#remember(identityKey(message));
      const clientKey = clientSendKey(message);
      if (clientKey !== undefined) this.#remember(clientKey);
    }
    if (message.seq > (this.#vector.get(message.nodeId) ?? 0)) {
      this.#vector.set(message.nodeId, message.seq);
    }
    return isNew;
  }

  #remember(key: string): void {
    this.#seen.add(key);
    if (this.#seen.size > this.#maxRemembered) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }
}

function identityKey(message: ChatMessage): string {
  return `id:${message.nodeId}:${message.seq}`;
}

/** The cluster deduplicates (sender, clientMsgId); a copy accepted before sync must not show twice. */
function clientSendKey(message: ChatMessage): string | undefined {
  if (message.clientMsgId === undefined) return undefined;
  return `cm:${JSON.stringify([message.sender, message.clientMsgId])}`;
}
