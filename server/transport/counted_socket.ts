/**
 * A client's socket as its session sees it (ClientSocket), kept by the hub:
 * each subscription counted in the hub's per-topic counts, and held topics
 * (a `since` resume the node has not caught up with, resume_gate.ts) kept off
 * Bun's pub/sub.
 *
 * Invariant: client.topics is what the session subscribed to, and the hub's
 * count of each topic moves with it, exactly once per change.
 * @module
 */

import type { VersionVector } from "../../common/version_vector.ts";
import type { ClientHub, HubClient } from "./client_hub.ts";
import type { ClientSocket } from "./client_socket.ts";

/**
 * A client's socket as its session sees it, counting its subscriptions. A class, so an
 * idle connection costs one small object (methods live on the prototype, not in closures).
 */
export class CountedSocket implements ClientSocket {
  #client: HubClient;
  #hub: ClientHub;

  constructor(client: HubClient, hub: ClientHub) {
    this.#client = client;
    this.#hub = hub;
  }
  send(text: string): number {
    return this.#client.socket.send(text);
  }
  cork(callback: () => void): unknown {
    const socket = this.#client.socket;
    return socket.cork ? socket.cork(callback) : callback();
  }
  close(code?: number, reason?: string): void {
    this.#client.socket.close(code, reason);
  }
  publish(topic: string, text: string): unknown {
    return this.#client.socket.publish(topic, text);
  }
  getBufferedAmount(): number {
    return this.#client.socket.getBufferedAmount();
  }
  get readyState(): number {
    return this.#client.socket.readyState;
  }
  subscribe(topic: string): void {
    if (this.#client.topics.has(topic)) return;
    if (!this.#hub.holdsTopic(this.#client, topic)) this.#client.socket.subscribe(topic);
    this.#client.topics.add(topic);
    this.#hub.countTopic(topic, 1);
  }
  unsubscribe(topic: string): void {
    if (!this.#client.topics.delete(topic)) return;
    if (!this.#hub.holdsTopic(this.#client, topic)) this.#client.socket.unsubscribe(topic);
    this.#hub.countTopic(topic, -1);
  }
  unsubscribeAll(): void {
    const held = new Set(
      [...this.#client.topics].filter((t) => this.#hub.holdsTopic(this.#client, t)),
    );
    this.#hub.forget(this.#client);
    for (const topic of this.#client.topics) {
      if (!held.has(topic)) this.#client.socket.unsubscribe(topic);
      this.#hub.countTopic(topic, -1);
    }
    this.#client.topics.clear();
  }
  claimSince(since: VersionVector, chatId: number | undefined): void {
    this.#hub.claimSince(this.#client, since, chatId);
  }
  terminate(): void {
    this.#client.socket.terminate();
  }
}
