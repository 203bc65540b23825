/**
 * The connection as an embedder sees it, one tagged union, read from what the
 * failover loop reports and from the session's `ready`: connecting to a node,
 * online on it (after its resume), offline with the time until the next try,
 * or closed for good.
 *
 * Invariant: "online" only after the session's sync on that connection is
 * done; "offline" always says why (the last problem seen) and when it retries.
 * @module
 */

import type { FailoverStatus } from "./failover_loop.ts";

export type ConnectionState =
  | { kind: "idle" }
  | { kind: "connecting"; url: string }
  | { kind: "online"; url: string; nodeId?: number; resumed: boolean; missed: number }
  | {
    kind: "offline";
    url?: string;
    reason: string;
    retryInMs: number;
    /** The close code, when a connection ended (a 4xxx from the node says why). */
    closeCode?: number;
  }
  | { kind: "closed" };

/** Follows the loop's reports; says when the state an embedder sees changes. */
export class ConnectionStateTracker {
  #state: ConnectionState = { kind: "idle" };
  #lastUrl?: string;
  #lastProblem = "not connected yet";
  #lastCloseCode?: number;

  get state(): ConnectionState {
    return this.#state;
  }

  /** The new state after a loop report, or undefined when it stays. */
  onStatus(status: FailoverStatus): ConnectionState | undefined {
    switch (status.kind) {
      case "dialing":
        this.#lastUrl = status.url;
        return this.#set({ kind: "connecting", url: status.url });
      case "dialFailed":
      case "noCandidates":
        this.#lastProblem = status.error;
        this.#lastCloseCode = undefined;
        return undefined;
      case "lost":
        this.#lastProblem = `lost the connection to ${status.url} (${
          status.reason || status.code
        })`;
        this.#lastCloseCode = status.code;
        return undefined;
      case "waiting": {
        const offline: ConnectionState = {
          kind: "offline",
          url: this.#lastUrl,
          reason: this.#lastProblem,
          retryInMs: status.delayMs,
        };
        if (this.#lastCloseCode !== undefined) offline.closeCode = this.#lastCloseCode;
        return this.#set(offline);
      }
      case "connected":
        return undefined; // online once the session is ready
    }
  }

  /** The session finished its sync on the connection to url. */
  onReady(
    ready: { url: string; nodeId?: number; resumed: boolean; missed: number },
  ): ConnectionState {
    const { url, nodeId, resumed, missed } = ready;
    return this.#set({ kind: "online", url, nodeId, resumed, missed });
  }

  onClosed(): ConnectionState {
    return this.#set({ kind: "closed" });
  }

  #set(state: ConnectionState): ConnectionState {
    this.#state = state;
    return state;
  }
}
