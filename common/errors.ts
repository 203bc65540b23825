/**
 * Every WebSocket close code DSatter sends or acts on, in one place: the client
 * connection's (`CloseCode`) and the peer link's (`PeerCloseCode`), and whether
 * a client should reconnect after one. Runtime-neutral.
 *
 * Invariant: codes 4000-4099 are client-connection codes, 4100-4499 peer-link
 * codes; a code is never reused for another meaning.
 * @module
 */

/** Close codes of a client connection (`ws://NODE/`). */
export const CloseCode = {
  /** A normal close (a client leaving). */
  normal: 1000,
  /** Node shutting down: reconnect elsewhere. */
  goingAway: 1001,
  /** Never sent: what a runtime reports when the connection ended without a close frame. */
  abnormal: 1006,
  /** Rate limit abused: reconnect later, more slowly. */
  policyViolation: 1008,
  /** A frame over 64 KiB. */
  messageTooBig: 1009,
  /** Internal error. */
  internalError: 1011,
  /** The client read too slowly and its buffer passed the limit: reconnect and resume with `since`. */
  slowReader: 4000,
  /** Idle for too long without a pong. */
  idleTimeout: 4001,
  /**
   * The connection's user token expired (section 6): a connection lives no longer than its
   * token. Terminal for that token: reconnect only with a new one.
   */
  tokenExpired: 4003,
} as const;

/** Close codes of a peer link (`/peer`), besides goingAway and internalError. */
export const PeerCloseCode = {
  /** Superseded by the other connection of the pair (tie-break: the lower id's dial stays). */
  duplicate: 4100,
  /** The acceptor is this node itself (a static peer list naming us): never dialled again. */
  self: 4101,
  /** The other side failed to prove it holds the cluster secret, or broke the protocol. */
  refused: 4401,
  /** No frame for too long. */
  dead: 4408,
} as const;

/** True when a client should reconnect (with backoff) after this close code. */
export function isRetryableClose(code: number): boolean {
  return code !== CloseCode.messageTooBig && code !== CloseCode.tokenExpired;
}
