/**
 * This node's own contiguous mark as it stood at its recent sync rounds, so
 * that a sync page need not carry the node's own messages that live fan-out has
 * already sent over the same link. Under load a peer always lags by the batch
 * or two in flight; without this, every round would answer its request with
 * those messages a second time (read, encoded, sent, parsed and dropped as
 * duplicates on both sides).
 *
 * A page to a link is capped, for this node's own origin only, at the newest
 * mark recorded at least `settleMs` ago AND after the link was registered:
 * everything this node committed after that mark went to the link live (or was
 * skipped because the link's buffer was full, and is served at a later round).
 * With no such mark (a link registered since, a node just started) nothing is
 * capped. Other origins are never capped: their live copies come from them.
 *
 * Invariants: the cap is a mark this node had committed (never past the current
 * one); marks are kept in the order recorded, at most `keep` of them.
 * @module
 */

interface Mark {
  atMs: number;
  seq: number;
}

export class OwnMarkHistory {
  #marks: Mark[] = [];
  #keep: number;

  constructor(keep = 4) {
    this.#keep = keep;
  }

  /** Notes the node's own contiguous mark at atMs (each sync round). */
  record(atMs: number, seq: number): void {
    this.#marks.push({ atMs, seq });
    if (this.#marks.length > this.#keep) this.#marks.shift();
  }

  /**
   * The newest mark recorded within [sinceMs, untilMs]: the cap for a link registered at
   * sinceMs, with untilMs = now - settleMs. Undefined when none.
   */
  capFor(sinceMs: number, untilMs: number): number | undefined {
    for (let i = this.#marks.length - 1; i >= 0; i--) {
      const mark = this.#marks[i];
      if (mark.atMs > untilMs) continue;
      return mark.atMs >= sinceMs ? mark.seq : undefined;
    }
    return undefined;
  }
}
