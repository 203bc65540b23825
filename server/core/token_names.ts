/**
 * The names of token holders seen anywhere in the cluster (the `sub` of every
 * valid token a node accepted, and the members of private chats), so that a
 * node in `--auth optional` can refuse an anonymous client that takes one of
 * them (PROTOCOL.md section 6). A grow-only set: kept in the store, replicated
 * to peers (whole on link open, each new name live), merged by union.
 *
 * Names are compared in a folded form (NFKC, lower case), so `Ann` and `ａｎｎ`
 * are refused to an anonymous client once `ann` holds a token.
 *
 * Invariants: isTaken(name) is true for every name add() or merge() ever saw
 * here, across restarts once the surrounding commit succeeded; list() (what
 * peers are sent) holds only names whose commit is durable: store() inside a
 * commit, seal() at its end, publishSealed() once it is durable.
 * @module
 */

import type { MessageStore } from "../store/message_store.ts";
import type { GroupCommit } from "./group_commit.ts";

/** The form two names are compared in. */
export function foldName(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

export class TokenNames {
  #store: MessageStore;
  #commits: GroupCommit;
  #names = new Set<string>();
  #folded = new Set<string>();
  /** Names of durable commits, as first seen: what peers are told. */
  #served: string[] = [];
  /** Names the commit in progress wrote. */
  #written: string[] = [];
  /** Names of the commit being made durable. */
  #sealed: string[] = [];
  #localListeners = new Set<(names: string[]) => void>();

  constructor(store: MessageStore, commits: GroupCommit) {
    this.#store = store;
    this.#commits = commits;
    this.reload();
  }

  /** Forgets what memory holds and reads the store again (after a failed commit). */
  reload(): void {
    this.#names.clear();
    this.#folded.clear();
    this.#written = [];
    this.#sealed = [];
    this.#served = this.#store.listTokenNames();
    for (const name of this.#served) this.#remember(name);
  }

  /**
   * A valid token's holder was seen on this node: its name is a token holder's from now
   * on, cluster-wide (local listeners, the mesh, send it to every peer). Resolves once stored.
   */
  noteHolder(name: string): Promise<void> {
    if (this.#names.has(name)) return Promise.resolve();
    const added = this.merge([name]);
    return this.#commits.enqueue(() => this.store(added), () => {
      for (const listener of this.#localListeners) listener(added);
    });
  }

  /** Token holders' names from a peer: stored (union). */
  acceptRemote(names: readonly string[]): Promise<void> {
    const added = this.merge(names);
    if (added.length === 0) return Promise.resolve();
    return this.#commits.enqueue(() => this.store(added), () => {});
  }

  /** Listener gets names first seen on this node, after their commit. */
  onLocalNames(listener: (names: string[]) => void): () => void {
    this.#localListeners.add(listener);
    return () => this.#localListeners.delete(listener);
  }

  /** True when a token holder uses this name (or one that folds to it). */
  isTaken(name: string): boolean {
    return this.#folded.has(foldName(name));
  }

  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** Every name of a durable commit, as first seen (what a peer gets on link open). */
  list(): string[] {
    return [...this.#served];
  }

  /** The names not known yet, remembered now; the caller stores them with store(). */
  merge(names: readonly string[]): string[] {
    const added: string[] = [];
    for (const name of names) {
      if (this.#names.has(name)) continue;
      this.#remember(name);
      added.push(name);
    }
    return added;
  }

  /** Inside a commit: writes names. */
  store(names: readonly string[]): void {
    for (const name of names) this.#store.putTokenName(name);
    this.#written.push(...names);
  }

  /** Inside a commit, last: what it wrote is listed once publishSealed() is called. */
  seal(): void {
    this.#sealed = this.#written;
    this.#written = [];
  }

  /** The sealed commit is durable: its names are listed. */
  publishSealed(): void {
    for (const name of this.#sealed) this.#served.push(name);
    this.#sealed = [];
  }

  #remember(name: string): void {
    this.#names.add(name);
    this.#folded.add(foldName(name));
  }
}
