/**
 * The session core shared by the terminal client, the web page and the SDK:
 * pure, it survives connections, decides which frames to send when a
 * connection opens, reads every frame a node sends (through the one codec,
 * common/server_frame_codec.ts), and tells its user what happened through one
 * event callback. No sockets and no runtime API: the failover loop attaches
 * and detaches links, time comes in as `Timers`; tests drive it with strings.
 *
 * On each new connection: `hello`, `subscribe` to the followed chat, then
 * either that chat's latest history (first time, or after join()) or
 * `clientSyncRequest {since: position}` paged until `more` is false (resume),
 * then every pending own message again with its clientMsgId. Live messages
 * that arrive before that sync is done are held back and shown after it, so
 * the output stays in order.
 *
 * Invariants: a message is emitted at most once per identity and per
 * (sender, clientMsgId) (ResumePosition), history excepted (shown whenever
 * asked for); the position only moves past what this session has accounted
 * for: a node's welcome vector is merged only once the sync after it is done.
 * @module
 */

import {
  type ChatMessage,
  type ClientFrame,
  ClientFrameType,
  type ServerFrame,
  type ServerFrameOf,
  type SyncRequestPayload,
  type WelcomePayload,
} from "../common/protocol.ts";
import { sortCanonical } from "../common/canonical_order.ts";
import { encodeClientFrame } from "../common/client_frame_encoding.ts";
import { decodeServerFrame, type UndecodableFrame } from "../common/server_frame_codec.ts";
import { type PendingSend, PendingSends } from "./pending_sends.ts";
import { Outbox } from "./outbox.ts";
import {
  ask,
  type PendingRequest,
  PendingRequests,
  type Query,
  type RequestPurpose,
} from "./pending_requests.ts";
import { type HistoryOptions, type HistoryPage, historyQuery } from "./node_queries.ts";
import { ResumePosition } from "./resume_position.ts";
import {
  type MessageOrigin,
  notificationOf,
  type SessionEvent,
  type SessionLink,
} from "./session_event.ts";
import type { ChatSessionOptions, ReceiveScope } from "./chat_session_options.ts";
import { phaseConnection, type SessionConnection, type SessionPhase } from "./session_phase.ts";
import { systemTimers } from "./timers.ts";

export type { MessageOrigin, SessionEvent, SessionLink } from "./session_event.ts";
export type { ChatSessionOptions, ReceiveScope } from "./chat_session_options.ts";
export { RATE_LIMITED_RETRY_MS } from "./outbox.ts";
export type { HistoryOptions, HistoryPage } from "./node_queries.ts";

const CONNECTION_CLOSED = new Error("the connection closed");

export class ChatSession {
  readonly pending: PendingSends;
  readonly position: ResumePosition;
  #name: string;
  #chatId: number;
  #receive: ReceiveScope;
  #historyLimit: number;
  #resumePageLimit: number;
  #emit: (event: SessionEvent) => void;
  #outbox: Outbox;
  #phase: SessionPhase = { kind: "offline" };
  /** The followed chat's entry history: still wanted (first entry, after join), or shown. */
  #history: "wanted" | "shown";
  #requests = new PendingRequests();

  constructor(options: ChatSessionOptions) {
    this.#name = options.name;
    this.#chatId = options.chatId;
    this.#receive = options.receive;
    this.#historyLimit = options.historyLimit;
    this.#resumePageLimit = options.resumePageLimit ?? 500;
    this.#emit = options.onEvent;
    const timers = options.timers ?? systemTimers;
    this.pending = options.pending ?? new PendingSends({ nowMs: () => timers.nowMs() });
    this.#outbox = new Outbox({
      pending: this.pending,
      emit: this.#emit,
      transmit: (frame) => this.#send(frame, true),
      connection: () => phaseConnection(this.#phase),
      timers,
      random: options.random ?? Math.random,
    });
    this.position = options.position ?? new ResumePosition();
    this.#history = options.receive === "chat" && options.historyLimit > 0 ? "wanted" : "shown";
  }

  get name(): string {
    return this.#name;
  }

  get chatId(): number {
    return this.#chatId;
  }

  /** Where the session stands with its connection (read-only view). */
  get phase(): SessionPhase["kind"] {
    return this.#phase.kind;
  }

  /** True while a connection is attached. */
  get connected(): boolean {
    return this.#phase.kind !== "offline";
  }

  /** True once the attached connection has finished its history or resume sync. */
  get ready(): boolean {
    return this.#phase.kind === "ready";
  }

  /** The node the current connection is on, once known. */
  get nodeId(): number | undefined {
    return phaseConnection(this.#phase)?.nodeId;
  }

  /** A connection opened: say hello, subscribe, catch up, resend what is pending. */
  attach(link: SessionLink): void {
    this.#requests.rejectAll(CONNECTION_CLOSED);
    const connection: SessionConnection = { link, resumed: this.position.known, missed: 0 };
    if (this.#receive === "none") {
      this.#phase = { kind: "ready", connection };
      this.#send({ type: ClientFrameType.subscribe, payload: { chatIds: [] } });
      this.#announceReady(connection);
    } else {
      this.#phase = { kind: "awaitingWelcome", connection, held: [] };
      this.#send({ type: ClientFrameType.hello, payload: { name: this.#name } }, true);
      if (this.#receive === "chat") {
        this.#send({ type: ClientFrameType.subscribe, payload: { chatIds: [this.#chatId] } });
      }
      if (this.#history === "wanted") this.#startHistory(connection);
      else if (this.position.known) this.#startSync(connection, "resume", "connect");
      // Otherwise (following from now, first connection): the welcome is the starting point.
    }
    this.#outbox.sendAll();
  }

  /** The connection is gone; pending messages wait for the next one. */
  detach(): void {
    const phase = this.#phase;
    this.#phase = { kind: "offline" };
    // Lost before the first welcome: what arrived is still new.
    if (phase.kind === "awaitingWelcome") this.#showHeld(phase.held);
    this.#requests.rejectAll(CONNECTION_CLOSED);
  }

  /** Handles one text frame from the attached connection. */
  receive(text: string): void {
    const connection = phaseConnection(this.#phase);
    if (!connection) return;
    const decoded = decodeServerFrame(text);
    if (!decoded.ok) return this.#onUndecodable(decoded.error);
    const frame = decoded.frame;
    connection.nodeId ??= frame.source;
    if (frame.type === "error") return this.#onError(frame);
    this.#dispatch(frame, connection, this.#requests.answer(frame)?.purpose);
  }

  /** Queues one of the user's messages and sends it if connected. */
  sendText(text: string, options: { chatId?: number } = {}): PendingSend {
    return this.#outbox.add({ text, chatId: options.chatId ?? this.#chatId, sender: this.#name });
  }

  /** Switches the followed chat: subscribe, then its latest history. */
  join(chatId: number): void {
    this.#chatId = chatId;
    this.#history = this.#receive === "chat" ? "wanted" : "shown";
    this.#emit({ kind: "joined", chatId });
    const connection = phaseConnection(this.#phase);
    if (!connection || this.#receive !== "chat") return;
    this.#send({ type: ClientFrameType.subscribe, payload: { chatIds: [chatId] } });
    this.#startHistory(connection);
  }

  /**
   * Changes the name used for new messages and `hello`. `announce: false` keeps it
   * from the presence list until a later setName() or the next connection.
   */
  setName(name: string, options: { announce?: boolean } = {}): void {
    this.#name = name;
    if ((options.announce ?? true) && this.#receive !== "none") {
      this.#send({ type: ClientFrameType.hello, payload: { name } }, true);
    }
  }

  /** A page of a chat's history: the latest, or the one before `options.before`. */
  history(chatId: number, options?: HistoryOptions): Promise<HistoryPage> {
    return this.query(historyQuery(chatId, options));
  }

  /** Section 7: tells the chat's readers this client is typing (no answer; dropped offline). */
  typing(chatId: number): void {
    this.#send({ type: ClientFrameType.typing, payload: { chatId } });
  }

  /**
   * Asks the node a question with one answer (node_queries.ts: the chat list, who is
   * here, a new chat, an edit, a search, ...); rejects when offline or when none comes.
   */
  query<T>(query: Query<T>): Promise<T> {
    if (!this.connected) return Promise.reject(new Error(`Cannot ${query.action}: not connected`));
    return ask(this.#requests, query, (frame) => this.#send(frame, true));
  }

  #send(frame: ClientFrame, awaitsReply = false): void {
    phaseConnection(this.#phase)?.link.send(encodeClientFrame(frame), awaitsReply);
  }

  #dispatch(
    frame: Exclude<ServerFrame, ServerFrameOf<"error">>,
    connection: SessionConnection,
    purpose?: RequestPurpose,
  ): void {
    switch (frame.type) {
      case "newMessagesForClient":
        return this.#onLive(frame.payload[0]);
      case "clientMessageResponse":
        return this.#outbox.acked(frame.payload.clientMsgId, frame.payload.messageId);
      case "clientSyncReply":
        return this.#onSyncReply(frame, purpose);
      case "welcome":
        return this.#onWelcome(connection, frame.payload);
      default: {
        const event = notificationOf(frame, purpose);
        if (event) this.#emit(event);
      }
    }
  }

  #startHistory(connection: SessionConnection): void {
    this.#startSync(connection, "history", this.#phase.kind === "ready" ? "join" : undefined);
  }

  /** Enters (or restarts) a sync on this connection and sends its first request. */
  #startSync(
    connection: SessionConnection,
    sync: "history" | "resume",
    cause?: "connect" | "join",
  ): void {
    const phase = this.#phase;
    this.#phase = {
      kind: "syncing",
      connection,
      sync,
      cause: cause ?? (phase.kind === "syncing" ? phase.cause : "connect"),
      welcome: phase.kind === "syncing" ? phase.welcome : undefined,
      ref: "",
      held: [],
    };
    this.#requestSyncPage();
  }

  #requestSyncPage(): void {
    const phase = this.#phase;
    if (phase.kind !== "syncing") return;
    const payload: SyncRequestPayload = phase.sync === "history"
      ? { chatId: this.#chatId, limit: this.#historyLimit || 50 }
      : this.position.resumeRequest(
        this.#resumePageLimit,
        this.#receive === "chat" ? this.#chatId : undefined,
      );
    phase.ref = this.#requests.create(phase.sync);
    this.#send({ type: ClientFrameType.clientSyncRequest, payload, ref: phase.ref }, true);
  }

  #onSyncReply(frame: ServerFrameOf<"clientSyncReply">, purpose?: RequestPurpose): void {
    const phase = this.#phase;
    // Else a page someone asked for (its callback has it), or the reply to a replaced sync.
    const current = phase.kind === "syncing" && purpose === phase.sync &&
      (frame.ref === undefined || frame.ref === phase.ref);
    if (!current) return;
    const messages = sortCanonical(frame.payload).filter((m) => this.#follows(m));
    if (phase.sync === "history") {
      for (const message of messages) this.#show(message, "history");
      this.#history = "shown";
      return this.#finishSync(true);
    }
    for (const message of messages) {
      if (!this.position.hasSeen(message)) phase.connection.missed += 1;
      this.#show(message, "missed");
    }
    for (const update of frame.updated ?? []) {
      if (this.#follows(update)) this.#emit({ kind: "messageUpdated", update });
    }
    this.position.take(frame);
    const brought = frame.payload.length + (frame.updated?.length ?? 0);
    if (frame.more === true && brought > 0) return this.#requestSyncPage();
    this.#finishSync(true);
  }

  /** The sync is over: complete (the welcome is accounted for), or failed. */
  #finishSync(complete: boolean): void {
    const phase = this.#phase;
    if (phase.kind !== "syncing") return;
    // A failed resume fetched less than the welcome claims: keep the position where it is.
    if (phase.welcome && (complete || phase.sync === "history")) {
      this.position.take(phase.welcome);
    }
    this.position.markKnown();
    this.#phase = { kind: "ready", connection: phase.connection };
    this.#showHeld(phase.held);
    if (phase.cause === "connect") this.#announceReady(phase.connection);
  }

  #onWelcome(connection: SessionConnection, welcome: WelcomePayload): void {
    connection.nodeId = welcome.nodeId;
    const phase = this.#phase;
    if (phase.kind === "syncing") {
      phase.welcome = welcome; // taken in once this sync is complete
    } else if (phase.kind === "awaitingWelcome") {
      // Following from now: everything the node held at its welcome is the past.
      this.position.take(welcome);
      this.position.markKnown();
      this.#phase = { kind: "ready", connection };
      this.#showHeld(phase.held);
      this.#announceReady(connection);
    } else {
      this.position.take(welcome); // a later hello on a ready connection (new name)
    }
  }

  #onLive(message: ChatMessage): void {
    if (!this.#follows(message)) return;
    const phase = this.#phase;
    if (phase.kind === "awaitingWelcome" || phase.kind === "syncing") phase.held.push(message);
    else this.#show(message, "live");
  }

  #follows(message: ChatMessage): boolean {
    return this.#receive !== "chat" || message.chatId === this.#chatId;
  }

  #showHeld(held: ChatMessage[]): void {
    for (const message of held) if (this.#follows(message)) this.#show(message, "live");
  }

  #show(message: ChatMessage, origin: MessageOrigin): void {
    const isNew = this.position.accept(message);
    // History is shown whenever it is asked for (/join back to a chat shows its latest
    // messages again); live and missed messages only the first time.
    if (isNew || origin === "history") this.#emit({ kind: "message", message, origin });
    // Delivered means durable ("stored durably, then delivered"): as good as the ack.
    this.#outbox.delivered(message);
  }

  #announceReady(connection: SessionConnection): void {
    const { link, nodeId, resumed, missed } = connection;
    this.#emit({ kind: "ready", url: link.url, nodeId, resumed, missed });
  }

  #onError(frame: ServerFrameOf<"error">): void {
    if (this.#outbox.refused(frame.payload, frame.ref)) return;
    const { code, message } = frame.payload;
    const request = this.#requests.take(frame.ref);
    // A refusal someone awaits is told to them (their promise rejects), not told twice.
    if (request?.callbacks) request.callbacks.onFailure(new Error(`${code}: ${message}`));
    else this.#emit({ kind: "serverError", code, message });
    this.#onRequestFailed(request);
  }

  #onUndecodable(error: UndecodableFrame): void {
    const request = this.#requests.take(error.ref);
    request?.callbacks?.onFailure(new Error(`the node's answer is malformed (${error.message})`));
    this.#emit({ kind: "undecodable", error });
    this.#onRequestFailed(request);
  }

  /** A sync whose request failed ends as it is, rather than waiting forever. */
  #onRequestFailed(request: PendingRequest | undefined): void {
    const phase = this.#phase;
    if (request && phase.kind === "syncing" && request.ref === phase.ref) this.#finishSync(false);
  }
}
