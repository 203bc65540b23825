/**
 * The seam between the client core and a socket: what the failover loop needs
 * of one connection to a node, and of a way to open one. The WebSocket
 * adapter (websocket_dialer.ts) is one implementation; tests hand in plain
 * objects (sdk/testing/fake_dialer.ts).
 *
 * Invariant (every implementation): `closed` resolves exactly once, for every
 * connection that opened, however it ends; frames that arrive before listen()
 * are kept for it, in order.
 * @module
 */

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface NodeConnection {
  url: string;
  send(text: string): void;
  /** Starts delivering text frames (and the ones that came before) to onText. */
  listen(onText: (text: string) => void): void;
  close(code?: number, reason?: string): void;
  closed: Promise<CloseInfo>;
}

export interface DialOptions {
  /** @default 5000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Opens a connection; rejects with "Cannot connect to URL: reason". */
export type Dialer = (url: string, options: DialOptions) => Promise<NodeConnection>;
