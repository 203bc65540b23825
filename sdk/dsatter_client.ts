/**
 * DSatterClient, the JavaScript SDK: DSatter chat in a web page or a Deno, Bun
 * or Node program, in one object. It finds a node (discovery, a list of nodes,
 * or any NodeSource), keeps a connection (failover to the next node, liveness
 * checks, backoff), resumes with `since` after each reconnect, resends unacked
 * messages with their clientMsgId, and hands each message over once, whichever
 * node and path brought it. It is the same core the terminal client and the
 * web page run on (ChatSession, runFailoverLoop); no runtime API is used
 * directly (the WebSocket and fetch globals by default, both replaceable).
 * docs/SDK.md has the guide; sdk/examples/ a program.
 *
 * @example
 * ```ts
 * import { DSatterClient } from "./sdk/mod.ts";
 * const client = new DSatterClient({ name: "ann", discovery: "http://localhost:8080" });
 * client.on("message", ({ message }) => console.log(`${message.sender}: ${message.text}`));
 * client.start();
 * await client.send("hello", { chatId: 11 }); // resolves once a node has it durably
 * await client.close();
 * ```
 *
 * Invariants: `message` fires at most once per message (by messageId and by
 * (sender, clientMsgId)); a send's promise settles once: acknowledged, refused
 * for good, or the client closed; after close() nothing more is sent or told.
 * @module
 */

import { Limits } from "../common/protocol.ts";
import type { Chat, ChatMessage, PresenceEntry } from "../common/protocol.ts";
import { charLength } from "../common/client_frame_validation.ts";
import { ChatSession, type HistoryOptions, type HistoryPage } from "./chat_session.ts";
import type { SessionEvent } from "./chat_session.ts";
import type { ChatTimeline } from "./chat_timeline.ts";
import { ClientChats } from "./client_chats.ts";
import {
  allChats,
  createChatQuery,
  deleteMessageQuery,
  editMessageQuery,
  presenceQuery,
  renameChatQuery,
  type SearchOptions,
  type SearchPage,
  searchQuery,
} from "./node_queries.ts";
import { ClientListeners, type DSatterClientEvents, type EventKind } from "./client_events.ts";
import { type ConnectionState, ConnectionStateTracker } from "./connection_state.ts";
import { clientNodeSource, type DSatterClientOptions } from "./dsatter_client_options.ts";
import { runFailoverLoop } from "./failover_loop.ts";
import type { NodeSource } from "./node_source.ts";
import { type PendingSend, PendingSends } from "./pending_sends.ts";
import { type SendAck, SendTracker } from "./send_tracker.ts";
import { systemTimers, type TimerHandle, type Timers } from "./timers.ts";
import { createWebSocketDialer } from "./websocket_dialer.ts";
import type { Dialer } from "./node_connection.ts";

export type { DSatterClientOptions } from "./dsatter_client_options.ts";
export type { SendAck } from "./send_tracker.ts";

const noop = () => {};

export class DSatterClient {
  #options: DSatterClientOptions;
  #session: ChatSession;
  #listeners = new ClientListeners();
  #chats = new ClientChats();
  #tracker = new ConnectionStateTracker();
  #timers: Timers;
  #source: NodeSource;
  #dial: Dialer;
  #sends: SendTracker;
  #run?: { abort: AbortController; loop: Promise<void> };
  /** Counts connections that went online, so a late timer can tell it is about an old one. */
  #onlineCount = 0;
  #peerRefresh?: TimerHandle;
  /** A node's chat list was taken at least once. */
  #chatsListed = false;

  constructor(options: DSatterClientOptions) {
    if (!(charLength(options.name) >= 1 && charLength(options.name) <= Limits.helloNameMaxChars)) {
      throw new RangeError(`Cannot create DSatterClient: name must be 1..64 characters`);
    }
    this.#options = options;
    this.#timers = options.timers ?? systemTimers;
    this.#source = clientNodeSource(options);
    this.#sends = new SendTracker({
      timeline: (chatId) => this.#chats.timeline(chatId),
      pendingRows: this.#keepsTimelines,
    });
    const token = options.token;
    const tokenNow = typeof token === "function" ? token : () => token;
    this.#dial = options.dial ??
      createWebSocketDialer({ token: tokenNow, WebSocket: options.WebSocket });
    const follow = options.follow ?? "all";
    this.#session = new ChatSession({
      name: options.name,
      chatId: options.chatId ?? (follow === "all" ? 11 : follow),
      receive: follow === "all" ? "all" : "chat",
      historyLimit: 0,
      resumePageLimit: options.resumePageLimit ?? 1000,
      onEvent: (event) => this.#onSessionEvent(event),
      pending: new PendingSends({
        newClientMsgId: options.newClientMsgId,
        nowMs: () => this.#timers.nowMs(),
      }),
      timers: this.#timers,
      random: options.random,
    });
  }

  /** Listens to one kind of event; returns the function that stops it. */
  on<K extends EventKind>(kind: K, listener: (event: DSatterClientEvents[K]) => void): () => void {
    return this.#listeners.on(kind, listener);
  }

  /** The connection as it is now. */
  get state(): ConnectionState {
    return this.#tracker.state;
  }

  get name(): string {
    return this.#session.name;
  }

  /** Starts connecting (and keeps connected until close()). Listeners first, then start(). */
  start(): this {
    if (this.#run || this.state.kind === "closed") return this;
    const abort = new AbortController();
    const loop = runFailoverLoop({
      session: this.#session,
      source: this.#source,
      dial: this.#dial,
      signal: abort.signal,
      onStatus: (status) => {
        if (status.kind === "lost") this.#onlineCount += 1; // ends peer refreshes of that one
        this.#listeners.emit("failover", status);
        const state = this.#tracker.onStatus(status);
        if (state) this.#listeners.emit("state", state);
      },
      backoff: this.#options.backoff ?? { baseMs: 300, maxMs: 8_000, random: this.#options.random },
      connectTimeoutMs: this.#options.connectTimeoutMs,
      liveness: this.#options.liveness,
      timers: this.#timers,
    });
    this.#run = { abort, loop };
    return this;
  }

  /** Resolves once the client is online (at once if it is). */
  whenOnline(): Promise<ConnectionState & { kind: "online" }> {
    const state = this.state;
    if (state.kind === "online") return Promise.resolve(state);
    return new Promise((resolve) => {
      const stop = this.on("state", (next) => {
        if (next.kind !== "online") return;
        stop();
        resolve(next);
      });
    });
  }

  /** Leaves the node and stops; unacknowledged sends are rejected. */
  async close(): Promise<void> {
    const run = this.#run;
    this.#run = undefined;
    this.#timers.clearTimeout(this.#peerRefresh);
    if (run) {
      run.abort.abort();
      await run.loop;
    }
    this.#sends.rejectAll(
      new Error("Cannot send message: the client closed before a node acknowledged it"),
    );
    if (this.state.kind !== "closed") this.#listeners.emit("state", this.#tracker.onClosed());
  }

  /**
   * Sends a message (to `chatId`, else the client's chat). It shows at once in the
   * chat's timeline as pending, goes again with the same clientMsgId after any
   * failover, and the promise resolves once a node has it durably.
   */
  send(text: string, options: { chatId?: number } = {}): Promise<SendAck> {
    if (this.state.kind === "closed") {
      return Promise.reject(new Error("Cannot send message: the client is closed"));
    }
    const entry = this.#session.sendText(text, options);
    return this.#sends.wait(entry.clientMsgId);
  }

  /**
   * Puts back sends an earlier life of this client did not get acknowledged (a reloaded
   * page): they keep their clientMsgId, so the cluster stores each once. Before start().
   */
  restore(sends: readonly PendingSend[]): void {
    if (this.#run) throw new Error("Cannot restore sends: the client has started");
    for (const { text, chatId, sender, clientMsgId, queuedAtMs } of sends) {
      this.#session.pending.add({ text, chatId, sender }, { clientMsgId, queuedAtMs });
    }
    this.#sends.showPending(this.pending());
  }

  /** Sends not yet acknowledged, oldest first. */
  pending(): PendingSend[] {
    return this.#session.pending.list();
  }

  /** A page of a chat's history (also added to its timeline). */
  async history(chatId: number, options?: HistoryOptions): Promise<HistoryPage> {
    const page = await this.#session.history(chatId, options);
    if (this.#keepsTimelines) this.#chats.timeline(chatId).addMessages(page.messages);
    return page;
  }

  /** Every chat known cluster-wide (also a `chats` event). */
  listChats(): Promise<Chat[]> {
    return allChats((query) => this.#session.query(query));
  }

  /** Who is connected, cluster-wide (also a `presence` event). */
  presence(chatId?: number): Promise<PresenceEntry[]> {
    return this.#session.query(presenceQuery(chatId));
  }

  /** Creates a chat (everyone's `chats` event tells it). */
  createChat(name: string): Promise<Chat> {
    return this.#session.query(createChatQuery(name));
  }

  /**
   * Renames a chat this client created (an extension of the protocol: docs/SERVER.md).
   * Resolves with the chat under its new name (every client's `chats` event tells it);
   * rejects with `forbidden` for someone else's chat.
   */
  renameChat(chatId: number, name: string): Promise<Chat> {
    return this.#session.query(renameChatQuery(chatId, name));
  }

  /**
   * Section 7: changes the text of one of this client's messages. Resolves with the
   * message as it now is (also a `messageUpdated` event, here and for every reader);
   * rejects with the node's reason (`forbidden`: not the sender; `not_found`).
   */
  editMessage(messageId: string, text: string): Promise<ChatMessage> {
    return this.#session.query(editMessageQuery(messageId, text));
  }

  /** Section 7: deletes one of this client's messages (its text is erased on every node). */
  deleteMessage(messageId: string): Promise<ChatMessage> {
    return this.#session.query(deleteMessageQuery(messageId));
  }

  /** Section 7: tells a chat's readers this client is typing (they show it for 5 s). */
  typing(chatId: number): void {
    this.#session.typing(chatId);
  }

  /** Section 7: messages matching q in the chats this client can read, newest first. */
  search(q: string, options?: SearchOptions): Promise<SearchPage> {
    return this.#session.query(searchQuery(q, options));
  }

  /**
   * Changes the name for new messages and presence. `announce: false` waits with
   * the presence list (a name still being typed) until a later setName().
   */
  setName(name: string, options?: { announce?: boolean }): void {
    this.#session.setName(name, options);
  }

  /** A chat's messages in canonical order, then this client's pending sends to it. */
  timeline(chatId: number): ChatTimeline {
    return this.#chats.timeline(chatId);
  }

  /** True once a node's chat list was taken: a chat not in chats() then is unknown. */
  get chatsListed(): boolean {
    return this.#chatsListed;
  }

  /** The chats known so far, by chatId. */
  chats(): Chat[] {
    return this.#chats.list();
  }

  /** Who is online, cluster-wide, by name. */
  people(): string[] {
    return this.#chats.roster.names();
  }

  get #keepsTimelines(): boolean {
    return this.#options.timelines ?? true;
  }

  #onSessionEvent(event: SessionEvent): void {
    const emit = this.#listeners.emit.bind(this.#listeners);
    switch (event.kind) {
      case "message":
        return this.#onMessage(event.message, event.origin === "missed" ? "missed" : "live");
      case "ready":
        return this.#onReady(event);
      case "acked":
        this.#sends.acknowledged(event.entry, event.messageId);
        return emit("ack", { send: event.entry, messageId: event.messageId });
      case "rejected":
        this.#sends.refused(event.entry, event.reason);
        return emit("rejected", { send: event.entry, code: event.code, reason: event.reason });
      case "pendingChanged":
        this.#sends.showPending(this.pending());
        return emit("pending", { sends: this.pending() });
      case "chatList":
      case "chatCreated":
      case "chatRenamed": {
        const chats = event.kind === "chatList"
          ? event.chats
          : event.kind === "chatCreated" && event.mine
          ? [{ ...event.chat, creator: this.name }] // its creator: this client
          : [event.chat];
        const firstList = event.kind === "chatList" && !this.#chatsListed;
        if (event.kind === "chatList") this.#chatsListed = true;
        if (this.#chats.merge(chats) || firstList) {
          emit("chats", { chats: this.chats(), listed: this.#chatsListed });
        }
        return;
      }
      case "presenceList":
        this.#chats.roster.reset(event.entries);
        return emit("presence", { names: this.people() });
      case "presence":
        this.#chats.roster.apply(event);
        return emit("presence", { names: this.people() });
      case "serverError":
        return emit("error", { code: event.code, message: event.message });
      case "undecodable":
        return emit("error", { code: event.error.reason, message: event.error.message });
      case "messageUpdated":
        this.#chats.timeline(event.update.chatId).update(event.update);
        return emit("messageUpdated", { update: event.update });
      case "typing":
        return emit("typing", event.typing);
      case "joined":
        return;
    }
  }

  #onMessage(message: DSatterClientEvents["message"]["message"], origin: "live" | "missed"): void {
    if (
      this.#keepsTimelines &&
      this.#chats.timeline(message.chatId).addMessages([message]).length === 0
    ) {
      return; // a page of history had it already
    }
    if (this.#chats.noteChat(message.chatId)) {
      this.#listeners.emit("chats", { chats: this.chats(), listed: this.#chatsListed });
    }
    this.#listeners.emit("message", { message, origin });
  }

  /** Online: lists and presence afresh, and the node list now and every peerRefreshMs. */
  #onReady(ready: SessionEvent & { kind: "ready" }): void {
    this.#listeners.emit("state", this.#tracker.onReady(ready));
    allChats((query) => this.#session.query(query)).catch(noop);
    this.#session.query(presenceQuery()).catch(noop);
    const online = ++this.#onlineCount;
    const refresh = () => {
      const run = this.#run;
      if (!run || online !== this.#onlineCount) return;
      this.#source.connectedTo?.(ready.url, run.abort.signal).catch(noop);
      this.#peerRefresh = this.#timers.setTimeout(refresh, this.#options.peerRefreshMs ?? 30_000);
    };
    refresh();
  }
}
