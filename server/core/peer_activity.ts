/**
 * When this node last worked for its peers, as the search indexer
 * (search_indexer.ts) sees it: serving them messages (a sync page, the
 * backbone's backlog) or storing a batch of theirs counts as activity, like a
 * write, so the indexer's full batches wait for a quiet moment after it (a
 * node serving a catch-up makes no writes at all, and a joiner's pages come one
 * after another with short waits between them). While a catch-up runs (a page
 * with more to come was stored or served here within CATCH_UP_HOLD_MS) the
 * indexer takes no batch at all: each would cost the pages' commits and the
 * cores that serve and store them, and the rows wait just as well. The backlog
 * is indexed once the catch-up ends (its messages are found by search as after
 * any long burst: docs/SERVER.md, "Indexing").
 *
 * Invariants: idleMs() is never more than the store's own idle time; a
 * catch-up holds the indexer back at most CATCH_UP_HOLD_MS past its last page.
 * @module
 */

/** How long after a page with more to come the indexer still waits (pages come far faster). */
export const CATCH_UP_HOLD_MS = 1000;

export class PeerActivity {
  #lastMs = -Infinity;
  #catchUpUntilMs = -Infinity;
  #now: () => number;

  /** `now`: a monotonic clock in ms. @default performance.now */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Peers were served, or a batch of theirs is being stored, now. */
  note(): void {
    this.#lastMs = this.#now();
  }

  /** A page with more to come was stored or served: a catch-up is running. */
  noteCatchUp(): void {
    this.note();
    this.#catchUpUntilMs = this.#lastMs + CATCH_UP_HOLD_MS;
  }

  /** True while a catch-up runs (its last page with more to come was a moment ago). */
  get catchingUp(): boolean {
    return this.#now() < this.#catchUpUntilMs;
  }

  /** Messages read for a peer: noted when there are any; returns them. */
  served<T>(messages: T[]): T[] {
    if (messages.length > 0) this.note();
    return messages;
  }

  /** Peer work that lasts until `work` settles (a batch being stored): noted now and then. */
  during<T>(work: Promise<T>): Promise<T> {
    this.note();
    const noted = () => this.note();
    work.then(noted, noted);
    return work;
  }

  /** The indexer's idle time: the store's, capped by the time since the last peer work. */
  idleMs(storeIdleMs: number): number {
    return Math.min(storeIdleMs, Math.max(0, this.#now() - this.#lastMs));
  }
}
