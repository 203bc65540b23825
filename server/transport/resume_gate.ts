/**
 * What a connection's `since` requests claimed beyond what this node has: the
 * rule that a node never delivers live what a connection's `since` (or an
 * earlier delivery on it) already covered (PROTOCOL.md section 3, "gets nothing
 * twice").
 *
 * Why only claims ahead of the node: the node publishes each origin's messages
 * once, in seq order, right after its committed mark reaches them. A `since`
 * reply covers the asked vector and everything up to the node's committed marks,
 * so every later live frame of an origin is above both, unless the asked vector
 * was above the node's mark: a client resuming on a node that has not caught up
 * with what the client got elsewhere. Only those entries are kept, and each is
 * dropped once the node's mark reaches it (every later frame is then above it).
 *
 * Invariant: covers(m) is true exactly when m is at or below an open claim of
 * its origin, for all chats or for m's chat; settle() never drops a claim the
 * node has not reached.
 * @module
 */

/** The node's committed (contiguous, published) mark of one origin. */
export type CommittedSeq = (originNodeId: number) => number;

/** Claims of requests without a chat filter. */
const ALL_CHATS = -1;

export class ResumeGate {
  /** chat id (ALL_CHATS for every chat) -> origin -> seq the client says it has. */
  #claims = new Map<number, Map<number, number>>();

  /** True while some claim is above the node's marks. */
  get open(): boolean {
    return this.#claims.size > 0;
  }

  /**
   * Records the entries of a `since` vector that lie above the node's marks
   * (for one chat, or for all when chatId is undefined); returns `open`.
   */
  claim(
    since: ReadonlyMap<number, number>,
    chatId: number | undefined,
    committedSeq: CommittedSeq,
  ): boolean {
    const scope = chatId ?? ALL_CHATS;
    for (const [origin, seq] of since) {
      if (seq <= committedSeq(origin)) continue;
      let claims = this.#claims.get(scope);
      if (!claims) this.#claims.set(scope, claims = new Map());
      if (seq > (claims.get(origin) ?? 0)) claims.set(origin, seq);
    }
    return this.open;
  }

  /** True when the connection already has this message: its live frame must be skipped. */
  covers(message: { nodeId: number; seq: number; chatId: number }): boolean {
    const all = this.#claims.get(ALL_CHATS)?.get(message.nodeId) ?? 0;
    if (message.seq <= all) return true;
    return message.seq <= (this.#claims.get(message.chatId)?.get(message.nodeId) ?? 0);
  }

  /** Drops every claim the node's marks have reached; returns `open`. */
  settle(committedSeq: CommittedSeq): boolean {
    for (const [scope, claims] of this.#claims) {
      for (const [origin, seq] of claims) {
        if (committedSeq(origin) >= seq) claims.delete(origin);
      }
      if (claims.size === 0) this.#claims.delete(scope);
    }
    return this.open;
  }
}
