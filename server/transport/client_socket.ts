/**
 * The part of a server WebSocket a client session uses: the seam between a
 * session and Bun's socket (the hub hands sessions a counting wrapper of it,
 * tests a plain object, server/testing/fake_socket.ts).
 *
 * Invariant: nothing in a session depends on Bun beyond this shape.
 * @module
 */

import type { VersionVector } from "../../common/version_vector.ts";

/** The part of a server WebSocket a session uses. */
export interface ClientSocket {
  send(data: string): number;
  close(code?: number, reason?: string): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** True when it is subscribed to topic (through subscribe, whatever Bun holds). */
  isSubscribed(topic: string): boolean;
  /** Every topic it is subscribed to, as a copy. */
  subscribedTopics(): string[];
  /** Publishes to a topic, this socket excluded. */
  publish(topic: string, data: string): unknown;
  getBufferedAmount(): number;
  /** Drops every subscription at once (nothing more is queued for it). */
  unsubscribeAll(): void;
  /** Closes abruptly, without waiting for the close handshake. */
  terminate(): void;
  readonly readyState: number;
  /** Batches the sends made inside callback into one write (Bun's ServerWebSocket.cork). */
  cork?(callback: () => void): unknown;
  /**
   * A `since` request claimed this vector (for one chat, or all): live frames of what it
   * covers must not reach the connection (the hub holds it off pub/sub meanwhile).
   */
  claimSince?(since: VersionVector, chatId: number | undefined): void;
}
