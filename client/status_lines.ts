/**
 * The one-line status texts every mode prints about its connection: connected,
 * reconnected with how many missed messages were fetched, lost, retrying.
 * Pure, so the wording is tested and the same in every mode.
 *
 * Invariant: one event, at most one line; per-message events never make one.
 * @module
 */

import type { SessionEvent } from "../sdk/chat_session.ts";
import { type FailoverStatus, HUNG_CLOSE_CODE } from "../sdk/failover_loop.ts";

/** Remembers which node each URL turned out to be, to name nodes in "lost" lines. */
export class StatusNarrator {
  #nodeByUrl = new Map<string, number>();
  #verbose: boolean;

  constructor(options: { verbose: boolean }) {
    this.#verbose = options.verbose;
  }

  /** The line for a session event, if it deserves one. */
  session(event: SessionEvent): string | undefined {
    if (event.kind !== "ready") return undefined;
    const node = event.nodeId !== undefined ? `node ${event.nodeId}` : event.url;
    if (event.nodeId !== undefined) this.#nodeByUrl.set(event.url, event.nodeId);
    if (!event.resumed) {
      return event.nodeId !== undefined
        ? `connected to ${node} (${event.url})`
        : `connected to ${node}`;
    }
    const missed = event.missed === 1 ? "1 missed message" : `${event.missed} missed messages`;
    return `reconnected to ${node}, ${missed} fetched`;
  }

  /** The line for a failover loop event, if it deserves one. */
  failover(status: FailoverStatus): string | undefined {
    switch (status.kind) {
      case "lost": {
        const nodeId = this.#nodeByUrl.get(status.url);
        const node = nodeId !== undefined ? `node ${nodeId} (${status.url})` : status.url;
        const how = status.code === HUNG_CLOSE_CODE
          ? status.reason
          : status.code === 0 || status.code === 1006
          ? "dropped"
          : `closed with ${status.code}`;
        return `lost connection to ${node} (${how}); failing over`;
      }
      case "dialFailed":
        return status.error;
      case "noCandidates":
        return status.error;
      case "waiting":
        return this.#verbose ? `retrying in ${(status.delayMs / 1000).toFixed(1)} s` : undefined;
      case "connected":
        return this.#verbose ? `connection open to ${status.url}` : undefined;
      case "dialing":
        return undefined;
    }
  }
}
