/**
 * The hub: every open client connection of this node, the topics they listen
 * on (with O(1) per-topic counts instead of Bun's scan), and the fan-out to
 * them, with the two rules that keep one connection from hurting the others:
 * a reader that falls behind is dropped (4000) and a silent one is pinged, then
 * closed (4001); and a connection whose user token expired is closed (4003). It
 * sees sockets only through the narrow HubSocket shape, so tests drive it with
 * plain objects.
 *
 * A connection whose `since` claimed messages this node has not reached yet is
 * held off Bun's pub/sub: the hub hands it each frame of its topics itself,
 * skipping the messages it already has (resume_gate.ts), and puts it back on
 * pub/sub once the node has caught up with its claims. Every other connection
 * costs nothing more per frame than one check that nobody is held.
 *
 * Invariants:
 * - A client whose unsent buffer passes slowReaderBytes is closed with 4000,
 *   checked after its own frames, soon after publishing, and by a periodic sweep.
 * - The unsent bytes of all clients together stay within the node-wide budget
 *   (reader_budget.ts): every publication tells it its worst case, and the hub
 *   measures at once when that could pass the budget.
 * - topicCount(t) is the number of open connections subscribed to t, held or not.
 * - A held connection is on no message topic (ALL_CHATS_TOPIC, chat topics) in
 *   Bun, only on its others; any other open one is on exactly its subscribedTopics();
 *   either way it gets each frame of its topics once.
 * - A connection with validUntilMs is closed with 4003 within one sweep after it.
 * @module
 */

import { sleep } from "../../common/abortable_sleep.ts";
import { type Clock, monotonicClock, systemClock } from "../../common/clock.ts";
import { CloseCode } from "../../common/errors.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type { VersionVector } from "../../common/version_vector.ts";
import { isMessageTopic, messageTopics } from "../core/delivery_topics.ts";
import { type CommittedSeq, ResumeGate } from "./resume_gate.ts";
import type { ClientSession, ClientSocket } from "./client_session.ts";
import { CountedSocket } from "./counted_socket.ts";
import type { Logger } from "../../common/logger.ts";
import type { ReaderFilter } from "../core/delivery_topics.ts";
import type { NodeMetrics } from "../observability/metrics_registry.ts";
import { ReaderBudget } from "./reader_budget.ts";

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

/** One connection as the hub keeps it (also its session's socket: counted_socket.ts). */
export type HubClient = CountedSocket;

export interface ClientHubOptions {
  /** Publishes one frame to every socket on a topic (Bun's server.publish). */
  publishToTopic(topic: string, text: string): unknown;
  metrics: NodeMetrics;
  logger: Logger;
  /** A client's unsent bytes past which it is dropped. @default 4 MiB */
  slowReaderBytes?: number;
  /** All clients' unsent bytes together past which the furthest behind are cut off. @default 256 MiB */
  bufferBudgetBytes?: number;
  /** Silence (no frame, ping or pong) after which a client is closed with 4001. @default 120 s */
  idleTimeoutMs?: number;
  /** Idle checks measure intervals on it. @default monotonicClock */
  clock?: Clock;
  /** The node's committed mark per origin; without it no connection is ever held. */
  committedSeq?: CommittedSeq;
  /** The wall clock token expiry is read on. @default systemClock */
  wallClock?: Clock;
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
  #clock: Clock;
  #wallClock: Clock;
  #deliveryCheckScheduled = false;
  #sweep: ReturnType<typeof setInterval>;
  /** Connections held off pub/sub until the node reaches what their `since` claimed. */
  #held = new Map<HubClient, ResumeGate>();
  #committedSeq: CommittedSeq;
  #budget: ReaderBudget;

  constructor(options: ClientHubOptions) {
    this.#options = options;
    this.slowReaderBytes = options.slowReaderBytes ?? 4 * 1024 * 1024;
    this.#idleMs = options.idleTimeoutMs ?? 120_000;
    this.#clock = options.clock ?? monotonicClock;
    this.#budget = new ReaderBudget({
      budgetBytes: options.bufferBudgetBytes,
      metrics: options.metrics,
      logger: options.logger,
      clock: this.#clock,
    });
    this.#committedSeq = options.committedSeq ?? (() => Number.MAX_SAFE_INTEGER);
    this.#wallClock = options.wallClock ?? systemClock;
    this.#sweep = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    (this.#sweep as { unref?: () => void }).unref?.();
  }

  /**
   * A new connection; the caller creates its session with hub.socketOf(client). With
   * validUntilMs (its token's end), it is closed with 4003 then.
   */
  add(socket: HubSocket, validUntilMs?: number): HubClient {
    const client = new CountedSocket(socket, this, this.#clock.nowMs());
    if (validUntilMs !== undefined) client.validUntilMs = validUntilMs;
    this.#clients.add(client);
    return client;
  }

  /** Every open connection's session (to tell them of a private chat they may now read). */
  *sessions(): IterableIterator<ClientSession> {
    for (const client of this.#clients) if (client.session) yield client.session;
  }

  /** The socket a session talks to (the record itself): subscriptions go through the counts. */
  socketOf(client: HubClient): ClientSocket {
    return client;
  }

  /** A connection closed: its subscriptions no longer count. */
  remove(client: HubClient): void {
    this.#held.delete(client);
    if (!this.#clients.delete(client)) return;
    client.uncount();
  }

  /** Any sign of life from a client (a frame, a ping, a pong). */
  seen(client: HubClient): void {
    client.lastSeenMs = this.#clock.nowMs();
    client.pingedAtMs = 0;
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Unsent bytes to clients, open ones and those Bun still keeps for closed ones (last measure). */
  get bufferedBytes(): number {
    return this.#budget.measuredBytes;
  }

  /** The node-wide budget of unsent bytes. */
  get bufferBudgetBytes(): number {
    return this.#budget.budgetBytes;
  }

  /** Fan-out of one frame to a topic; readers that fell behind are dropped soon after. */
  publish(topic: string, text: string): void {
    this.#options.publishToTopic(topic, text);
    if (this.#held.size > 0 && isMessageTopic(topic)) {
      for (const client of this.#held.keys()) {
        if (client.isSubscribed(topic)) client.socket.send(text);
      }
    }
    this.#published(text.length * this.topicCount(topic));
  }

  /** Fan-out of one message's live frame (messageTopics: never `all` for a private chat). */
  publishMessage(message: ChatMessage, text: string): void {
    const topics = messageTopics(message.chatId);
    let subscribers = 0;
    for (const topic of topics) {
      this.#options.publishToTopic(topic, text);
      subscribers += this.topicCount(topic);
    }
    if (this.#held.size > 0) this.#deliverHeld(message, topics, text);
    this.#published(text.length * subscribers);
  }

  /**
   * A `since` request on this connection claimed `since` (for one chat, or all): when it
   * claims more than the node has, the connection is held off pub/sub until the node
   * catches up, so that nothing it already has reaches it live again.
   */
  claimSince(client: HubClient, since: VersionVector, chatId: number | undefined): void {
    const held = this.#held.get(client);
    const gate = held ?? new ResumeGate();
    if (!gate.claim(since, chatId, this.#committedSeq) || held) return;
    this.#held.set(client, gate);
    for (const topic of client.subscribedTopics()) {
      if (isMessageTopic(topic)) client.socket.unsubscribe(topic);
    }
  }

  /** True when the client's subscription to this topic is the hub's, not Bun's. */
  holdsTopic(client: HubClient, topic: string): boolean {
    return isMessageTopic(topic) && this.#held.has(client);
  }

  /** Lets a held connection go without putting it back on pub/sub (it is closing). */
  forget(client: HubClient): void {
    this.#held.delete(client);
  }
  /**
   * A section 7 frame (messageUpdated, typing) to every hello connection that follows
   * chatId and may read it, but those the filter skips. Such events are rare, so a
   * pass over the connections (each asks server/core/read_access.ts) beats a topic per
   * reader kind.
   */
  publishToReaders(chatId: number, text: string, filter: ReaderFilter = {}): void {
    for (const client of this.#clients) {
      if (client.session?.wantsReaderFrame(chatId, filter)) client.session.deliver(text);
    }
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
    this.#dropIfPast(client, client.socket.getBufferedAmount());
  }

  /** Drops the client when `buffered` is past the limit; true when it did. */
  #dropIfPast(client: HubClient, buffered: number): boolean {
    if (buffered <= this.slowReaderBytes || !client.session) return false;
    this.#options.metrics.dropped.inc();
    this.#options.logger.info("client dropped: slow reader", {
      connection: client.session.id,
      buffered,
    });
    this.#budget.dropSlow(client, buffered);
    return true;
  }

  /** One pass over every client: slow readers dropped, quiet ones pinged, silent ones closed. */
  sweep(): void {
    for (const [client, gate] of this.#held) {
      if (!gate.settle(this.#committedSeq)) this.#release(client);
    }
    const nowMs = this.#clock.nowMs();
    const wallMs = this.#wallClock.nowMs();
    for (const client of this.#clients) {
      this.#checkIdle(client, nowMs);
      if (client.validUntilMs !== undefined && wallMs >= client.validUntilMs) {
        this.#options.logger.debug("client closed: token expired", {
          connection: client.session?.id,
        });
        client.session?.close(CloseCode.tokenExpired, "token expired: connect with a new token");
      }
    }
    this.checkReaders();
  }

  /** Measures every client's unsent bytes against the per-connection limit and the budget. */
  checkReaders(): void {
    this.#budget.measure(
      this.#clients,
      (client, buffered) => this.#dropIfPast(client as HubClient, buffered),
    );
  }

  /** Closes every client with `code` (shutdown); resolves once they are gone or after graceMs. */
  async closeAll(code: number, reason: string, graceMs: number): Promise<void> {
    clearInterval(this.#sweep);
    for (const client of this.#clients) client.session?.close(code, reason);
    // Real waiting (not the injected clock): the grace bounds how long a shutdown takes.
    for (let waitedMs = 0; this.#clients.size > 0 && waitedMs < graceMs; waitedMs += 20) {
      await sleep(20);
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

  /** A publication of `units` UTF-16 units times subscribers: measured now or soon. */
  #published(units: number): void {
    if (this.#budget.published(units)) this.checkReaders();
    this.#scheduleDeliveryCheck();
  }

  #deliverHeld(message: ChatMessage, topics: readonly string[], text: string): void {
    for (const [client, gate] of this.#held) {
      const wanted = topics.some((topic) => client.isSubscribed(topic));
      if (wanted && !gate.covers(message)) client.socket.send(text);
      if (!gate.settle(this.#committedSeq)) this.#release(client);
    }
  }

  /** Back on pub/sub: every later frame is above what its `since` claimed. */
  #release(client: HubClient): void {
    this.#held.delete(client);
    for (const topic of client.subscribedTopics()) {
      if (isMessageTopic(topic)) client.socket.subscribe(topic);
    }
  }

  #scheduleDeliveryCheck(): void {
    if (this.#deliveryCheckScheduled) return;
    this.#deliveryCheckScheduled = true;
    setTimeout(() => {
      this.#deliveryCheckScheduled = false;
      this.checkReaders();
    }, DELIVERY_CHECK_MS);
  }
}
