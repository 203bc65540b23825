/**
 * One catch-up chain at a time per node. A node that joins empty (or comes back
 * from a long partition) would otherwise page the same history from every peer
 * at once and drop all copies but the first after parsing them: each peer pays
 * for serving it, and the joiner for parsing it. The session that first needs a
 * second page takes the baton; another session needing more yields (ends its
 * chain early) and is asked to go again when the holder lets go, so a link that
 * closes mid-chain hands the rest to another peer at once.
 *
 * Invariant: only the holder releases; a release after contention calls the
 * listeners once, a release without contention calls nobody.
 * @module
 */

export class CatchUpBaton {
  #holder: object | null = null;
  #contended = false;
  #listeners = new Set<() => void>();

  /** True when owner holds the baton afterwards (it takes it when free). */
  take(owner: object): boolean {
    if (this.#holder === null) this.#holder = owner;
    if (this.#holder === owner) return true;
    this.#contended = true;
    return false;
  }

  /** True while owner holds it. */
  heldBy(owner: object): boolean {
    return this.#holder === owner;
  }

  /** The holder's chain ended (caught up, failed or its link closed). */
  release(owner: object): void {
    if (this.#holder !== owner) return;
    this.#holder = null;
    if (!this.#contended) return;
    this.#contended = false;
    for (const listener of this.#listeners) listener();
  }

  /** Called when a release leaves sessions that yielded with work to resume. */
  onReleasedAfterContention(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
