/**
 * WebSocket close codes used by DSatter, and whether a client should reconnect.
 * Runtime-neutral.
 * @module
 */

export const CloseCode = {
  /** Node shutting down: reconnect elsewhere. */
  goingAway: 1001,
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
  /** Peer link: superseded by the other connection of the pair (tie-break). */
  peerDuplicate: 4100,
} as const;

/** True when a client should reconnect (with backoff) after this close code. */
export function isRetryableClose(code: number): boolean {
  return code !== CloseCode.messageTooBig;
}
