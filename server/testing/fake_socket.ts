/**
 * A client WebSocket as the hub and a session see it, as a plain object: it
 * records what is sent, published, subscribed and closed, so the transport's
 * rules are tested without a socket (the narrow shapes in client_hub.ts and
 * client_session.ts exist for this).
 *
 * Invariant: `frames` holds every sent text, parsed, in order; once closed or
 * terminated, readyState is CLOSED and nothing more is recorded as sent.
 * @module
 */

import type { HubSocket } from "../transport/client_hub.ts";
import type { ClientSocket } from "../transport/client_session.ts";

const OPEN = 1;
const CLOSED = 3;

export interface SentFrame {
  type: string;
  payload: unknown;
  source?: number;
  ref?: string;
  [key: string]: unknown;
}

export class FakeSocket implements HubSocket, ClientSocket {
  readyState = OPEN;
  /** Every frame sent to the client, parsed. */
  readonly frames: SentFrame[] = [];
  readonly topics = new Set<string>();
  readonly published: Array<{ topic: string; text: string }> = [];
  closedWith: { code?: number; reason?: string } | undefined;
  terminated = false;
  pings = 0;
  corks = 0;
  /** What getBufferedAmount() answers: set it to play a slow reader. */
  bufferedBytes = 0;

  send(text: string): number {
    if (this.readyState !== OPEN) return 0;
    this.frames.push(JSON.parse(text));
    return text.length;
  }
  close(code?: number, reason?: string): void {
    this.closedWith ??= { code, reason };
    this.readyState = CLOSED;
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = CLOSED;
  }
  ping(): void {
    this.pings += 1;
  }
  subscribe(topic: string): void {
    this.topics.add(topic);
  }
  unsubscribe(topic: string): void {
    this.topics.delete(topic);
  }
  isSubscribed(topic: string): boolean {
    return this.topics.has(topic);
  }
  subscribedTopics(): string[] {
    return [...this.topics];
  }
  unsubscribeAll(): void {
    this.topics.clear();
  }
  publish(topic: string, text: string): void {
    this.published.push({ topic, text });
  }
  getBufferedAmount(): number {
    return this.bufferedBytes;
  }
  cork(callback: () => void): void {
    this.corks += 1;
    callback();
  }
  /** The frames of one type, in order. */
  ofType(type: string): SentFrame[] {
    return this.frames.filter((frame) => frame.type === type);
  }
}
