/**
 * Who is online, cluster-wide, from a `presenceList` snapshot plus `presence`
 * events. Pure, so it is tested on its own.
 *
 * Invariant: one person can be connected several times (two tabs, two nodes);
 * they show once, and stay shown until their last connection went offline.
 * @module
 */

import type { PresenceEntry, PresenceEventPayload } from "../common/protocol.ts";

export interface PresenceRoster {
  /** Replaces everything with a node's `presenceList` answer. */
  reset(entries: readonly PresenceEntry[]): void;
  /** Applies one `presence` event. */
  apply(event: PresenceEventPayload): void;
  /** Distinct names online, sorted for display. */
  names(): string[];
}

function rosterKey(entry: PresenceEntry): string {
  return JSON.stringify([entry.nodeId, entry.name]);
}

export function createPresenceRoster(): PresenceRoster {
  const connections = new Map<string, { name: string; count: number }>();
  return {
    reset(entries) {
      connections.clear();
      for (const entry of entries) {
        const key = rosterKey(entry);
        const held = connections.get(key);
        if (held) held.count++;
        else connections.set(key, { name: entry.name, count: 1 });
      }
    },
    apply(event) {
      const key = rosterKey(event);
      const held = connections.get(key);
      if (event.online) {
        if (held) held.count++;
        else connections.set(key, { name: event.name, count: 1 });
      } else if (held) {
        held.count--;
        if (held.count <= 0) connections.delete(key);
      }
    },
    names() {
      const names = new Set([...connections.values()].map((entry) => entry.name));
      return [...names].sort((a, b) => a.localeCompare(b));
    },
  };
}
