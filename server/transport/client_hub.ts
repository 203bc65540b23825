/**
 * The hub: every open client connection of this node, the topics they listen
 * on (with O(1) per-topic counts instead of Bun's scan), and the fan-out to
 * them, with the two rules that keep one connection from hurting the others:
 * a reader that falls behind is dropped (4000) and a silent one is pinged, then
 * closed (4001). It sees sockets only through the narrow HubSocket shape, so
 * tests drive it with plain objects.
 *
 * Invariants:
 * - A client whose unsent buffer passes slowReaderBytes is closed with 4000,
 *   checked after its own frames, soon after publishing, and by a periodic sweep.
 * - topicCount(t) is the number of open connections subscribed to t.
 * @module
 */

import { CloseCode } from "../../common/errors.ts";
import type { ClientSession, ClientSocket } from "./client_session.ts";
import type { Logger } from "../observability/logger.ts";
import type { NodeMetrics } from "../observability/metrics_registry.ts";

/** The part of a runtime WebSocket the hub and a session use. */
export interface HubSocket {
  send(text: string): number;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): unknown;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  publish(topic: string, text: string): unknown;
  getBufferedAmount(): number;
  cork?(callback: () => void): unknown;
  readonly readyState: number;
}

/** One connection as the hub keeps it. */
export interface HubClient {
  session?: ClientSession;
  /** Last frame, ping or pong from the client (ms, the hub's clock). */
  lastSeenMs: number;
  /** When the hub pinged it since lastSeenMs; 0 when not. */
  pingedAtMs: number;
  /** Topics it is subscribed to (for the per-topic counts). */
  topics: Set<string>;
  socket: HubSocket;
}

export interface ClientHubOptions {
  /** Publishes one frame to every socket on a topic (Bun's server.publish). */
  publishToTopic(topic: string, text: string): unknown;
  metrics: NodeMetrics;
  logger: Logger;
  /** A client's unsent bytes past which it is dropped. @default 4 MiB */
  slowReaderBytes?: number;
  /** Silence (no frame, ping or pong) after which a client is closed with 4001. @default 120 s */
  idleTimeoutMs?: number;
  /** @default performance.now */
  nowMs?: () => number;
}

/** How often every client is checked for slowness and silence. */
const SWEEP_INTERVAL_MS = 250;
/** After publishing, readers are checked this soon (not once per message). */
const DELIVERY_CHECK_MS = 50;

export class ClientHub {
  readonly slowReaderBytes: number;
  #clients = new Set<HubClient>();
  #topicCounts = new Map<string, number>();
  #options: ClientHubOptions;
  #idleMs: number;
  #now: () => number;
  #deliveryCheckScheduled = false;
  #sweep: ReturnType<typeof setInterval>;

  constructor(options: ClientHubOptions) {
    this.#options = options;
    this.slowReaderBytes = options.slowReaderBytes ?? 4 * 1024 * 1024;
    this.#idleMs = options.idleTimeoutMs ?? 120_000;
    this.#now = options.nowMs ?? (() => performance.now());
    this.#sweep = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    (this.#sweep as { unref?: () => void }).unref?.();
  }

  /** A new connection; the caller creates its session with hub.socketOf(client). */
  add(socket: HubSocket): HubClient {
    const client: HubClient = { socket, lastSeenMs: this.#now(), pingedAtMs: 0, topics: new Set() };
    this.#clients.add(client);
    return client;
  }

  /** The socket a session talks to: subscriptions go through the hub's counts. */
  socketOf(client: HubClient): ClientSocket {
    return new CountedSocket(client, this);
  }

  /** A connection closed: its subscriptions no longer count. */
  remove(client: HubClient): void {
    if (!this.#clients.delete(client)) return;
    for (const topic of client.topics) this.countTopic(topic, -1);
    client.topics.clear();
  }

  /** Any sign of life from a client (a frame, a ping, a pong). */
  seen(client: HubClient): void {
    client.lastSeenMs = this.#now();
    client.pingedAtMs = 0;
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Fan-out of one frame to a topic; readers that fell behind are dropped soon after. */
  publish(topic: string, text: string): void {
    this.#options.publishToTopic(topic, text);
    this.#scheduleDeliveryCheck();
  }

  topicCount(topic: string): number {
    return this.#topicCounts.get(topic) ?? 0;
  }

  /** @internal for CountedSocket */
  countTopic(topic: string, delta: number): void {
    const count = (this.#topicCounts.get(topic) ?? 0) + delta;
    if (count > 0) this.#topicCounts.set(topic, count);
    else this.#topicCounts.delete(topic);
  }

  /** Drops the client when its unsent buffer is past the limit. */
  dropIfSlow(client: HubClient): void {
    if (!client.session) return;
    const buffered = client.socket.getBufferedAmount();
    if (buffered <= this.slowReaderBytes) return;
    this.#options.metrics.dropped.inc();
    this.#options.logger.info("client dropped: slow reader", {
      connection: client.session.id,
      buffered,
    });
    client.session.close(CloseCode.slowReader, "slow reader: reconnect and resume with since");
  }

  /** One pass over every client: slow readers dropped, quiet ones pinged, silent ones closed. */
  sweep(): void {
    const nowMs = this.#now();
    for (const client of this.#clients) {
      this.dropIfSlow(client);
      this.#checkIdle(client, nowMs);
    }
  }

  /** Closes every client with `code` (shutdown); resolves once they are gone or after graceMs. */
  async closeAll(code: number, reason: string, graceMs: number): Promise<void> {
    clearInterval(this.#sweep);
    for (const client of this.#clients) client.session?.close(code, reason);
    const deadline = Date.now() + graceMs;
    while (this.#clients.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops the periodic sweep (the hub is not used afterwards). */
  close(): void {
    clearInterval(this.#sweep);
  }

  #checkIdle(client: HubClient, nowMs: number): void {
    if (!client.session) return;
    const quietMs = nowMs - client.lastSeenMs;
    if (quietMs > this.#idleMs) {
      this.#options.logger.debug("client closed: idle", { connection: client.session.id });
      client.session.close(CloseCode.idleTimeout, "idle: no frame or pong");
    } else if (quietMs > this.#idleMs / 2 && client.pingedAtMs === 0) {
      client.pingedAtMs = nowMs;
      client.socket.ping();
    }
  }

  #scheduleDeliveryCheck(): void {
    if (this.#deliveryCheckScheduled) return;
    this.#deliveryCheckScheduled = true;
    setTimeout(() => {
      this.#deliveryCheckScheduled = false;
      for (const client of this.#clients) this.dropIfSlow(client);
    }, DELIVERY_CHECK_MS);
  }
}

/**
 * A client's socket as its session sees it, counting its subscriptions. A class, so an
 * idle connection costs one small object (methods live on the prototype, not in closures).
 */
class CountedSocket implements ClientSocket {
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
    this.#client.socket.subscribe(topic);
    this.#client.topics.add(topic);
    this.#hub.countTopic(topic, 1);
  }
  unsubscribe(topic: string): void {
    if (!this.#client.topics.delete(topic)) return;
    this.#client.socket.unsubscribe(topic);
    this.#hub.countTopic(topic, -1);
  }
  unsubscribeAll(): void {
    for (const topic of this.#client.topics) {
      this.#client.socket.unsubscribe(topic);
      this.#hub.countTopic(topic, -1);
    }
    this.#client.topics.clear();
  }
  terminate(): void {
    this.#client.socket.terminate();
  }
}
