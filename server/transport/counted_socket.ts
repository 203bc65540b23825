/**
 * One client connection as the hub keeps it, and its socket as its session
 * sees it (ClientSocket): each subscription counted in the hub's per-topic
 * counts, and held topics (a `since` resume the node has not caught up with,
 * resume_gate.ts) kept off Bun's pub/sub.
 *
 * Memory: a node holds tens of thousands of idle connections, so this is one
 * object per connection: the hub's record, the session's socket and the Bun
 * socket's `data` together (with what the connection caps must release),
 * methods on the prototype, and the topics every connection uses (every chat,
 * hello) as bits, a Set only for the others (chat topics).
 *
 * Invariant: the topics it holds are what the session subscribed to, and the
 * hub's count of each topic moves with them, exactly once per change.
 * @module
 */

import type { VersionVector } from "../../common/version_vector.ts";
import { ALL_CHATS_TOPIC, HELLO_TOPIC } from "../core/delivery_topics.ts";
import type { ClientHub, HubSocket } from "./client_hub.ts";
import type { ClientSession } from "./client_session.ts";
import type { ClientSocket } from "./client_socket.ts";

/** The bit of a topic held without a Set (0: none). */
function topicBit(topic: string): number {
  return topic === ALL_CHATS_TOPIC ? 1 : topic === HELLO_TOPIC ? 2 : 0;
}

export class CountedSocket implements ClientSocket {
  session?: ClientSession;
  /** Last frame, ping or pong from the client (ms, the hub's clock). */
  lastSeenMs: number;
  /** When the hub pinged it since lastSeenMs; 0 when not. */
  pingedAtMs = 0;
  /** Wall-clock ms when its user token stops being valid; undefined without a token. */
  validUntilMs?: number;
  /** Counted by the connection caps until released (connection_limits.ts); key: its address's. */
  admitted = false;
  limitKey: string | undefined;
  /** The runtime's socket. */
  readonly socket: HubSocket;
  #hub: ClientHub;
  /** ALL_CHATS_TOPIC (1) and HELLO_TOPIC (2), when subscribed. */
  #topicBits = 0;
  /** Every other topic it is subscribed to; made at the first. */
  #otherTopics: Set<string> | undefined;

  constructor(socket: HubSocket, hub: ClientHub, nowMs: number) {
    this.socket = socket;
    this.#hub = hub;
    this.lastSeenMs = nowMs;
  }

  /** What it is among the runtime's sockets (Bun's ws.data of a client connection). */
  get kind(): "client" {
    return "client";
  }

  isSubscribed(topic: string): boolean {
    const bit = topicBit(topic);
    return bit !== 0 ? (this.#topicBits & bit) !== 0 : this.#otherTopics?.has(topic) === true;
  }

  /** The topics it is subscribed to (a copy: safe to change them while going through it). */
  subscribedTopics(): string[] {
    const topics: string[] = [];
    if (this.#topicBits & 1) topics.push(ALL_CHATS_TOPIC);
    if (this.#topicBits & 2) topics.push(HELLO_TOPIC);
    if (this.#otherTopics) topics.push(...this.#otherTopics);
    return topics;
  }

  send(text: string): number {
    return this.socket.send(text);
  }
  cork(callback: () => void): unknown {
    const socket = this.socket;
    return socket.cork ? socket.cork(callback) : callback();
  }
  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }
  publish(topic: string, text: string): unknown {
    return this.socket.publish(topic, text);
  }
  getBufferedAmount(): number {
    return this.socket.getBufferedAmount();
  }
  get readyState(): number {
    return this.socket.readyState;
  }
  subscribe(topic: string): void {
    if (this.isSubscribed(topic)) return;
    if (!this.#hub.holdsTopic(this, topic)) this.socket.subscribe(topic);
    const bit = topicBit(topic);
    if (bit !== 0) this.#topicBits |= bit;
    else (this.#otherTopics ??= new Set()).add(topic);
    this.#hub.countTopic(topic, 1);
  }
  unsubscribe(topic: string): void {
    if (!this.#forget(topic)) return;
    if (!this.#hub.holdsTopic(this, topic)) this.socket.unsubscribe(topic);
    this.#hub.countTopic(topic, -1);
  }
  unsubscribeAll(): void {
    const topics = this.subscribedTopics();
    const held = topics.filter((topic) => this.#hub.holdsTopic(this, topic));
    this.#hub.forget(this);
    for (const topic of topics) {
      if (!held.includes(topic)) this.socket.unsubscribe(topic);
    }
    this.uncount();
  }
  claimSince(since: VersionVector, chatId: number | undefined): void {
    this.#hub.claimSince(this, since, chatId);
  }
  terminate(): void {
    this.socket.terminate();
  }

  /** The connection is gone (or leaves every topic): its topics no longer count. */
  uncount(): void {
    for (const topic of this.subscribedTopics()) this.#hub.countTopic(topic, -1);
    this.#topicBits = 0;
    this.#otherTopics = undefined;
  }

  /** Removes topic from what it holds; false when it was not there. */
  #forget(topic: string): boolean {
    const bit = topicBit(topic);
    if (bit === 0) {
      if (this.#otherTopics?.delete(topic) !== true) return false;
      if (this.#otherTopics.size === 0) this.#otherTopics = undefined;
      return true;
    }
    if ((this.#topicBits & bit) === 0) return false;
    this.#topicBits &= ~bit;
    return true;
  }
}
