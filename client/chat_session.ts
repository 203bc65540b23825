/**
 * The client's session core, pure: it survives connections, decides which
 * frames to send when a connection opens, reads every frame a node sends, and
 * tells the UI what happened through one event callback. No sockets, and its one
 * timer (a throttled send's retry) injected: the failover loop attaches and
 * detaches links; tests drive it with strings.
 *
 * On each new connection: `hello`, `subscribe` to the chat, then either the
 * chat's latest history (first time, or after /join) or `clientSyncRequest
 * {since: position}` paged until `more` is false (resume), then every pending
 * own message again with its clientMsgId. Live messages that arrive while a
 * sync runs are held back and shown after it, so the output stays in order.
 *
 * Invariant: a message is emitted at most once per identity (ResumePosition),
 * and the position only moves past what this session has accounted for: a
 * node's `welcome` vector is merged only once the sync that follows it is done.
 * @module
 */

import type { ChatMessage } from "../common/protocol.ts";
import type { MessageOrigin, SessionEvent, SessionLink } from "./session_event.ts";
import { compareCanonical, sortCanonical } from "../common/canonical_order.ts";
import { decodeVector, type VersionVector } from "../common/version_vector.ts";
import { type PendingSend, pendingSendFrame, PendingSends } from "./pending_sends.ts";
import { ResumePosition } from "./resume_position.ts";
import {
  asChat,
  asChatMessages,
  asChats,
  asPresenceEntries,
  asPresenceEvent,
  parseServerFrame,
} from "./server_frame.ts";
import { type RequestPurpose, RequestRefs } from "./request_refs.ts";

export type { MessageOrigin, SessionEvent, SessionLink } from "./session_event.ts";

export interface ChatSessionOptions {
  name: string;
  chatId: number;
  /** Receive messages (hello, subscribe, history, resume). False: send-only (`--send`, stdin). */
  receive: boolean;
  /** Messages of history shown on first entry and after /join; 0 for none (`--follow`). */
  historyLimit: number;
  /** Page size of resume syncs. @default 500 */
  resumePageLimit?: number;
  onEvent: (event: SessionEvent) => void;
  pending?: PendingSends;
  position?: ResumePosition;
  /** Runs `run` after `ms` (a send refused as rate_limited goes again). @default setTimeout */
  later?: (ms: number, run: () => void) => void;
}

/** A send refused with `rate_limited` goes again after 1-2 s on the same connection. */
export const RATE_LIMITED_RETRY_MS = 1000;

interface ConnectionState {
  link: SessionLink;
  nodeId?: number;
  welcome?: VersionVector;
  syncing: boolean;
  ready: boolean;
  resumed: boolean;
  missed: number;
  heldLive: ChatMessage[];
}

export class ChatSession {
  readonly pending: PendingSends;
  readonly position: ResumePosition;
  #name: string;
  #chatId: number;
  #receive: boolean;
  #historyLimit: number;
  #resumePageLimit: number;
  #emit: (event: SessionEvent) => void;
  #later: (ms: number, run: () => void) => void;
  #conn?: ConnectionState;
  /** False until the position means something (a welcome or a history page was taken in). */
  #hasBaseline = false;
  /** The next connection starts with the chat's latest history instead of a resume. */
  #needsHistory: boolean;
  #oldestShown?: ChatMessage;
  #requests = new RequestRefs();

  constructor(options: ChatSessionOptions) {
    this.#name = options.name;
    this.#chatId = options.chatId;
    this.#receive = options.receive;
    this.#historyLimit = options.historyLimit;
    this.#resumePageLimit = options.resumePageLimit ?? 500;
    this.#emit = options.onEvent;
    this.#later = options.later ?? ((ms, run) => void setTimeout(run, ms));
    this.pending = options.pending ?? new PendingSends();
    this.position = options.position ?? new ResumePosition();
    this.#needsHistory = options.historyLimit > 0;
  }

  get name(): string {
    return this.#name;
  }

  get chatId(): number {
    return this.#chatId;
  }

  /** True while a connection is attached. */
  get connected(): boolean {
    return this.#conn !== undefined;
  }

  /** True once the attached connection has finished its history or resume sync. */
  get ready(): boolean {
    return this.#conn?.ready ?? false;
  }

  /** The node the current connection is on, once known. */
  get nodeId(): number | undefined {
    return this.#conn?.nodeId;
  }

  /** A connection opened: say hello, subscribe, catch up, resend what is pending. */
  attach(link: SessionLink): void {
    const resumed = this.#hasBaseline;
    const conn: ConnectionState = {
      link,
      syncing: false,
      ready: false,
      resumed,
      missed: 0,
      heldLive: [],
    };
    this.#conn = conn;
    this.#requests.clear();
    if (this.#receive) {
      this.#send({ type: "hello", payload: { name: this.#name } });
      this.#send({ type: "subscribe", payload: { chatIds: [this.#chatId] } });
      if (this.#needsHistory) {
        this.#requestHistory();
      } else if (this.#hasBaseline) {
        conn.syncing = true;
        this.#requestResume();
      }
      // Otherwise (--follow, first connection): the welcome is the starting point.
    } else {
      this.#send({ type: "subscribe", payload: { chatIds: [] } });
      this.#markReady();
    }
    for (const entry of this.pending.list()) this.#send(pendingSendFrame(entry));
  }

  /** The connection is gone; pending messages wait for the next one. */
  detach(): void {
    const conn = this.#conn;
    if (conn && !this.#hasBaseline && !conn.syncing) {
      // --follow lost its first connection before the welcome: what arrived is still new.
      for (const message of conn.heldLive.splice(0)) this.#show(message, "live");
    }
    this.#conn = undefined;
    this.#requests.clear();
  }

  /** Handles one text frame from the attached connection. */
  receive(text: string): void {
    const conn = this.#conn;
    const frame = parseServerFrame(text);
    if (!conn || !frame) return;
    if (conn.nodeId === undefined && frame.source !== undefined) conn.nodeId = frame.source;
    const purpose = this.#requests.take(frame.ref);
    switch (frame.type) {
      case "newMessagesForClient":
        for (const message of asChatMessages(frame.payload)) this.#onLive(message);
        return;
      case "clientMessageResponse":
        return this.#onAck(frame.payload);
      case "clientSyncReply":
        return this.#onSyncReply(
          purpose ?? this.#requests.takeOldestSync(),
          asChatMessages(frame.payload),
          frame.more ?? false,
          frame.vector,
        );
      case "welcome":
        return this.#onWelcome(frame.payload);
      case "chatCreated": {
        const chat = asChat(frame.payload);
        if (chat) this.#emit({ kind: "chatCreated", chat, mine: purpose === "create" });
        return;
      }
      case "chatList":
        return this.#emit({ kind: "chatList", chats: asChats(frame.payload) });
      case "presenceList":
        return this.#emit({ kind: "presenceList", entries: asPresenceEntries(frame.payload) });
      case "presence": {
        const presence = asPresenceEvent(frame.payload);
        if (presence) this.#emit({ kind: "presence", ...presence });
        return;
      }
      case "error":
        return this.#onError(frame.payload, frame.ref, purpose);
    }
  }

  /** Queues one of the user's messages and sends it if connected. */
  sendText(text: string): PendingSend {
    const entry = this.pending.add({ text, chatId: this.#chatId, sender: this.#name });
    if (this.#conn) this.#send(pendingSendFrame(entry));
    this.#emit({ kind: "pendingChanged" });
    return entry;
  }

  /** Switches to another chat: subscribe, then its latest history. */
  join(chatId: number): void {
    this.#chatId = chatId;
    this.#oldestShown = undefined;
    this.#needsHistory = this.#receive;
    this.#emit({ kind: "joined", chatId });
    if (!this.#conn || !this.#receive) return;
    this.#conn.heldLive = [];
    this.#send({ type: "subscribe", payload: { chatIds: [chatId] } });
    this.#requestHistory();
  }

  /** Changes the name used for new messages and presence. */
  setName(name: string): void {
    this.#name = name;
    if (this.#conn && this.#receive) this.#send({ type: "hello", payload: { name } });
  }

  /** Asks for the page of history before the oldest message shown. Returns false when offline. */
  requestOlder(limit: number): boolean {
    if (!this.#conn) return false;
    const payload: Record<string, unknown> = { chatId: this.#chatId, limit };
    if (this.#oldestShown) payload.before = this.#oldestShown.messageId;
    this.#send({ type: "clientSyncRequest", payload, ref: this.#requests.create("older") });
    return true;
  }

  /** Asks for every chat; the answer comes as a `chatList` event. Returns false when offline. */
  requestChats(): boolean {
    return this.#sendIfConnected({ type: "listChats", payload: {} });
  }

  /** Asks who is here; the answer comes as a `presenceList` event. Returns false when offline. */
  requestPresence(): boolean {
    return this.#sendIfConnected({ type: "presence", payload: { chatId: this.#chatId } });
  }

  /** Creates a chat; the answer comes as a `chatCreated` event with mine: true. */
  createChat(name: string): boolean {
    if (!this.#conn) return false;
    this.#send({ type: "createChat", payload: { name }, ref: this.#requests.create("create") });
    return true;
  }

  #sendIfConnected(frame: unknown): boolean {
    if (!this.#conn) return false;
    this.#send(frame);
    return true;
  }

  #send(frame: unknown): void {
    this.#conn?.link.send(JSON.stringify(frame));
  }

  #requestHistory(): void {
    if (!this.#conn) return;
    this.#conn.syncing = true;
    this.#send({
      type: "clientSyncRequest",
      payload: { chatId: this.#chatId, limit: this.#historyLimit || 50 },
      ref: this.#requests.create("history"),
    });
  }

  #requestResume(): void {
    this.#send({
      type: "clientSyncRequest",
      payload: { chatId: this.#chatId, since: this.position.wire(), limit: this.#resumePageLimit },
      ref: this.#requests.create("resume"),
    });
  }

  #onLive(message: ChatMessage): void {
    const conn = this.#conn!;
    if (message.chatId !== this.#chatId) return;
    if (conn.syncing || (!conn.ready && !this.#hasBaseline)) {
      conn.heldLive.push(message);
      return;
    }
    this.#show(message, "live");
  }

  #show(message: ChatMessage, origin: MessageOrigin): void {
    const isNew = this.position.accept(message);
    // History is shown whenever it is asked for (/join back to a chat shows its latest
    // messages again); live, missed and older messages only the first time.
    if (isNew || origin === "history") this.#emit({ kind: "message", message, origin });
    if (
      origin === "history" &&
      (!this.#oldestShown || compareCanonical(message, this.#oldestShown) < 0)
    ) {
      this.#oldestShown = message;
    }
    // Delivered means durable ("stored durably, then delivered"): as good as the ack.
    const clientMsgId = message.clientMsgId;
    if (clientMsgId === undefined || !this.pending.has(clientMsgId)) return;
    const entry = this.pending.list().find((e) => e.clientMsgId === clientMsgId)!;
    if (entry.sender !== message.sender) return;
    this.pending.resolve(clientMsgId);
    this.#emit({ kind: "acked", entry, messageId: message.messageId });
    this.#emit({ kind: "pendingChanged" });
  }

  #onAck(payload: unknown): void {
    const p = payload as Record<string, unknown> | null;
    if (!p || typeof p.clientMsgId !== "string") return;
    const entry = this.pending.resolve(p.clientMsgId);
    if (!entry) return;
    this.#emit({ kind: "acked", entry, messageId: String(p.messageId ?? "") });
    this.#emit({ kind: "pendingChanged" });
  }

  #onWelcome(payload: unknown): void {
    const conn = this.#conn!;
    const p = payload as Record<string, unknown> | null;
    if (!p) return;
    if (typeof p.nodeId === "number") conn.nodeId = p.nodeId;
    const vector = decodeVector(p.vector);
    if (vector) conn.welcome = vector;
    if (conn.syncing) return;
    if (vector) this.position.mergeVector(vector);
    if (!this.#hasBaseline) {
      // First connection without history (--follow): from here on, everything is new.
      this.#hasBaseline = true;
      this.#flushHeld();
    }
    if (!conn.ready) this.#markReady();
  }

  #onSyncReply(
    purpose: RequestPurpose | undefined,
    messages: ChatMessage[],
    more: boolean,
    wireVector: unknown,
  ): void {
    const conn = this.#conn!;
    if (purpose === "older") {
      const sorted = sortCanonical(messages);
      for (const message of sorted) this.#emit({ kind: "message", message, origin: "older" });
      if (
        sorted.length > 0 &&
        (!this.#oldestShown || compareCanonical(sorted[0], this.#oldestShown) < 0)
      ) {
        this.#oldestShown = sorted[0];
      }
      this.#emit({ kind: "olderEnd", count: sorted.length });
      return;
    }
    if (purpose === "history") {
      for (const message of sortCanonical(messages)) {
        if (message.chatId === this.#chatId) this.#show(message, "history");
      }
      this.#needsHistory = false;
      this.#finishSync();
      return;
    }
    if (purpose === "resume") {
      for (const message of sortCanonical(messages)) {
        if (message.chatId !== this.#chatId) continue;
        if (!this.position.hasSeen(message)) conn.missed += 1;
        this.#show(message, "missed");
      }
      const vector = decodeVector(wireVector);
      if (vector) this.position.mergeVector(vector);
      if (more && messages.length > 0) {
        this.#requestResume();
        return;
      }
      this.#finishSync();
    }
  }

  #finishSync(): void {
    const conn = this.#conn!;
    conn.syncing = false;
    // Everything the node held at its welcome is now accounted for (shown, older, or another chat).
    if (conn.welcome) this.position.mergeVector(conn.welcome);
    this.#hasBaseline = true;
    this.#flushHeld();
    this.#markReady();
  }

  #flushHeld(): void {
    const conn = this.#conn!;
    const held = conn.heldLive;
    conn.heldLive = [];
    for (const message of held) {
      if (message.chatId === this.#chatId) this.#show(message, "live");
    }
  }

  #markReady(): void {
    const conn = this.#conn!;
    if (conn.ready) return;
    conn.ready = true;
    this.#emit({
      kind: "ready",
      url: conn.link.url,
      nodeId: conn.nodeId,
      resumed: conn.resumed,
      missed: conn.missed,
    });
  }

  #onError(payload: unknown, ref: string | undefined, purpose: RequestPurpose | undefined): void {
    const p = payload as Record<string, unknown> | null;
    const code = typeof p?.code === "string" ? p.code : "error";
    const message = typeof p?.message === "string" ? p.message : "";
    if (ref !== undefined && this.pending.has(ref) && code === "rate_limited") {
      // Refused for now, not for good: the same frame goes again on this connection.
      const conn = this.#conn;
      this.#later(RATE_LIMITED_RETRY_MS * (1 + Math.random()), () => {
        const entry = this.pending.get(ref);
        if (entry && conn && this.#conn === conn) this.#send(pendingSendFrame(entry));
      });
      return;
    }
    if (ref !== undefined && this.pending.has(ref)) {
      const entry = this.pending.resolve(ref)!;
      this.#emit({ kind: "rejected", entry, reason: `${code}: ${message}` });
      this.#emit({ kind: "pendingChanged" });
      return;
    }
    this.#emit({ kind: "serverError", code, message });
    if ((purpose === "history" || purpose === "resume") && this.#conn?.syncing) {
      this.#finishSync();
    }
  }
}
