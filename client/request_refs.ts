/**
 * The requests a session has in flight on the current connection, by the
 * `ref` it set on them (nodes echo it on the reply), so each reply is read for
 * what it answers: history, a resume page, an older page, a created chat.
 *
 * Invariant: a ref is answered at most once; all are forgotten with the
 * connection (clear()), since no reply can come on another one.
 * @module
 */

export type RequestPurpose = "history" | "resume" | "older" | "create";

export class RequestRefs {
  #purposes = new Map<string, RequestPurpose>();
  #counter = 0;

  /** A new ref for a request with this purpose. */
  create(purpose: RequestPurpose): string {
    const ref = `${purpose[0]}${++this.#counter}`;
    this.#purposes.set(ref, purpose);
    return ref;
  }

  /** The purpose of the request this ref answers, forgetting it; undefined when unknown. */
  take(ref: string | undefined): RequestPurpose | undefined {
    if (ref === undefined) return undefined;
    const purpose = this.#purposes.get(ref);
    this.#purposes.delete(ref);
    return purpose;
  }

  /** For nodes that do not echo `ref`: the oldest sync request still unanswered. */
  takeOldestSync(): RequestPurpose | undefined {
    for (const [ref, purpose] of this.#purposes) {
      if (purpose !== "create") {
        this.#purposes.delete(ref);
        return purpose;
      }
    }
    return undefined;
  }

  clear(): void {
    this.#purposes.clear();
  }
}
