/**
 * Every other node's client address a replicator has seen live since this node
 * started: the Origin check (server/transport/origin_policy.ts) keeps accepting
 * the pages of a node that froze or died, which fail over here with that node's
 * origin, after the node has left the live lists.
 *
 * Invariant: grow-only and bounded (KNOWN_CLIENTS_MAX entries, far above any
 * cluster), so a flapping membership cannot grow memory without end.
 * @module
 */

import type { ClientEntry } from "../../common/discovery_protocol.ts";

export const KNOWN_CLIENTS_MAX = 4096;

export class KnownClients {
  #known = new Map<string, ClientEntry>();

  /** Adds the entries not seen yet. */
  remember(entries: readonly ClientEntry[]): void {
    for (const entry of entries) {
      const key = `${entry.address}:${entry.clientport}`;
      if (!this.#known.has(key) && this.#known.size < KNOWN_CLIENTS_MAX) {
        this.#known.set(key, { address: entry.address, clientport: entry.clientport });
      }
    }
  }

  list(): ClientEntry[] {
    return [...this.#known.values()];
  }
}
