/**
 * One client connection's protocol state and frame handling (PROTOCOL.md
 * section 3): rate limit, validation, replies, subscriptions, hello/presence.
 * It sees the socket only through the narrow ClientSocket shape, so the Bun
 * adapter stays thin.
 *
 * Charging: every frame takes one token of the connection's bucket before it is
 * parsed; a frame that costs the node more takes more once parsed (`subscribe`
 * one per 100 chat ids, a `chatList` page one per 100 chats, a `search` ten);
 * `createChat` and `renameChat` also need the chat quotas; a rename (`hello`
 * again) reaches presence at most once a second (name_announcer.ts); `typing`
 * relays at most once per chat per interval (message_event_requests.ts). A
 * refused frame is a strike; strikes decay (common/decaying_strikes.ts), so
 * interleaving accepted frames never clears them.
 *
 * Invariants:
 * - A connection that never sent a frame gets only what pub/sub delivers
 *   (newMessagesForClient, one message per frame): nothing else unsolicited.
 * - Topics as chat_subscriptions.ts sets them: never a private chat the
 *   connection's identity may not read.
 * - It speaks as its identity only (AccessControl.checkSpeaker) and reads and
 *   writes only chats it may use (checkChat): `forbidden`, nothing stored.
 * - Every reply and error carries `source` and echoes the frame's `ref`.
 * - A frame of unit cost (every frame an original client sends) is never refused
 *   while the connection stays within --rate-limit (N/s, bursts of 10N).
 * @module
 */

import { parseClientFrame, refOfFrame } from "../../common/client_frame_validation.ts";
import { CloseCode } from "../../common/errors.ts";
import {
  type ClientFrame,
  ClientFrameType,
  type CreateChatPayload,
  Limits,
  type NewMessagePayload,
  ServerFrameType,
} from "../../common/protocol.ts";
import type { ChatNode } from "../core/chat_node.ts";
import { HELLO_TOPIC } from "../core/delivery_topics.ts";
import { ANONYMOUS, canRead, type Identity } from "../core/chat_access.ts";
import type { ChatChange } from "../core/chat_records.ts";
import * as subscriptions from "./chat_subscriptions.ts";
import { chatListPage, renameChat } from "./chat_requests.ts";
import { answerSync } from "./sync_requests.ts";
import type { Logger } from "../../common/logger.ts";
import type { NodeMetrics } from "../observability/metrics_registry.ts";
import { TypingThrottle } from "../../common/typing_throttle.ts";
import type { ReaderFilter } from "../core/delivery_topics.ts";
import { mayRead } from "../core/read_access.ts";
import { handleEventRequest, isEventFrame } from "./message_event_requests.ts";
import { FrameRateGuard, ITEMS_PER_TOKEN, type RateLimit } from "./frame_rate_guard.ts";
import type { ChatCreationQuota } from "./chat_creation_quota.ts";
import type { ClientSocket } from "./client_socket.ts";
import { NameAnnouncer } from "./name_announcer.ts";
import { SessionOutbox } from "./session_outbox.ts";

export type { ClientSocket } from "./client_socket.ts";
export type { RateLimit } from "./frame_rate_guard.ts";

export interface ClientSessionContext {
  node: ChatNode;
  metrics: NodeMetrics;
  logger: Logger;
  rateLimit: RateLimit;
  /** Chat creation quotas; without them only the frame rate limits createChat. */
  chatQuota?: ChatCreationQuota;
}

const OPEN = 1;
/** A search costs what a frame of this many items does (ten tokens): a full-text query. */
const SEARCH_ITEMS = 10 * ITEMS_PER_TOKEN;
/** How long a closed connection may take to finish the close handshake. */
const CLOSE_GRACE_MS = 2000;
let nextConnectionId = 1;
const TYPING_INTERVAL = { minIntervalMs: Limits.typingMinIntervalMs };

export class ClientSession {
  readonly id = nextConnectionId++;
  #socket: ClientSocket;
  #context: ClientSessionContext;
  /** Made at the first frame (handle()), before anything charges or strikes. */
  #rate: FrameRateGuard | undefined;
  #identity: Identity;
  /** What its last `subscribe` asked for; null: every chat (the default). */
  #requested: subscriptions.RequestedChats | null = null;
  #helloName: string | undefined;
  /** Per-chat rate of relayed `typing` frames (made at the first). */
  #typing: TypingThrottle | undefined;
  /** Tells presence the hello name, renames at most once a second (made at the first hello). */
  #names: NameAnnouncer | undefined;
  #closing = false;
  /** Replies, queued and sent together (session_outbox.ts); made at the first. */
  #outbox: SessionOutbox | undefined;
  #terminateTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(socket: ClientSocket, context: ClientSessionContext, identity: Identity = ANONYMOUS) {
    this.#socket = socket;
    this.#context = context;
    this.#identity = identity;
  }

  /** True once the connection is being closed (nothing more is sent or queued to it). */
  get closing(): boolean {
    return this.#closing;
  }

  /** Called once the socket is open: default subscription is every chat it may read. */
  open(): void {
    this.#follow(null);
  }

  /** Who this connection speaks for. */
  get identity(): Identity {
    return this.#identity;
  }

  /**
   * A private chat record is new or changed (ChatNode.onChatChanged): followed when now
   * readable, and announced to a hello connection (unless this one caused it).
   */
  chatChanged({ chat, cause, frame }: ChatChange): void {
    if (this.#closing || !canRead(this.#identity, chat)) return;
    subscriptions.followIfReadable(this.#socket, this.#identity, this.#requested, chat);
    if (this.#helloName !== undefined && cause !== this) this.#out().sendText(frame);
  }

  /** Called once the socket closed. */
  closed(): void {
    this.#closing = true;
    clearTimeout(this.#terminateTimer);
    this.#names?.close();
    this.#context.node.presence.leave(this.id);
  }

  /** Closes the connection with a code (slow reader, shutdown, ...). */
  close(code: number, reason: string): void {
    if (this.#closing) return;
    // What was answered before the close still leaves first (acks of committed messages).
    this.#outbox?.flush();
    this.#closing = true;
    // Nothing more is queued for it, and a peer that never completes the close handshake
    // (it stopped reading) is cut off after a grace period instead of lingering.
    this.#socket.unsubscribeAll();
    this.#socket.close(code, reason);
    this.#terminateTimer = setTimeout(() => this.#socket.terminate(), CLOSE_GRACE_MS);
  }

  /** The hello name; undefined before hello. */
  get helloName(): string | undefined {
    return this.#helloName;
  }

  /**
   * True when a section 7 frame about chatId is for this connection (see ClientHub): a
   * hello connection that follows the chat (a private one: on its topic) and may read it.
   */
  wantsReaderFrame(chatId: number, filter: ReaderFilter): boolean {
    const name = this.#helloName;
    return name !== undefined && !this.#closing && filter.exceptConnection !== this.id &&
      filter.exceptName !== name &&
      subscriptions.followsChat(this.#socket, this.#requested, chatId) &&
      mayRead(this.#context.node.access, this.#identity, chatId);
  }

  /** Sends a frame the hub fans out (with this microtask's other replies). */
  deliver(text: string): void {
    this.#out().sendText(text);
  }

  /** Drops the connection at once, no close frame: its queue is freed now (reader_budget.ts). */
  cutOff(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#outbox?.drop();
    this.#socket.unsubscribeAll();
    this.#socket.terminate();
  }

  /** One inbound frame. */
  handle(message: string | Uint8Array): void {
    if (this.#closing) return;
    // Made at the first frame: a full bucket then, as it would be by then anyway.
    if (!(this.#rate ??= new FrameRateGuard(this.#context.rateLimit)).take()) {
      this.#refuse(refOfFrame(message));
      return;
    }
    if (typeof message !== "string") {
      this.#out().error("bad_frame", "binary frames are not accepted: send JSON text frames");
      return;
    }
    const parsed = parseClientFrame(message);
    if (!parsed.ok) {
      this.#out().error(parsed.error.code, parsed.error.message, parsed.ref);
      return;
    }
    try {
      this.#dispatch(parsed.value);
    } catch (error) {
      // A bug must cost this frame, not the connection or the node.
      this.#context.logger.error("frame handling failed", {
        type: parsed.value.type,
        error: (error as Error).message,
      });
      this.#out().error("internal", "the node could not handle this frame", parsed.value.ref);
    }
  }

  /**
   * A frame over the rate limit: a strike (closed with 1008 past the threshold), else a
   * `rate_limited` error echoing its ref.
   */
  #refuse(ref: string | undefined): void {
    this.#context.metrics.rateLimited.inc();
    if (this.#rate!.strike()) {
      this.#context.logger.info("client closed for flooding", { connection: this.id });
      this.close(CloseCode.policyViolation, "rate limit exceeded");
      return;
    }
    this.#out().error("rate_limited", "too many frames: slow down or be disconnected", ref);
  }

  /** Follows chatIds (null: every chat); returns the private chats named that it may not read. */
  #follow(chatIds: number[] | null): number[] {
    const { node } = this.#context;
    const followed = subscriptions.followChats(this.#socket, node, this.#identity, chatIds);
    this.#requested = followed.requested;
    return followed.refused;
  }

  #followed(): number[] | null {
    return subscriptions.followedChats(this.#context.node, this.#identity, this.#requested);
  }

  #out(): SessionOutbox {
    return this.#outbox ??= new SessionOutbox(this.#socket, this.#context, () => this.#closing);
  }

  /** Takes what a frame of `items` items costs beyond its first token; false when short. */
  #charge(items: number, ref: string | undefined): boolean {
    if (this.#rate!.takeItems(items)) return true;
    this.#refuse(ref);
    return false;
  }

  #dispatch(frame: ClientFrame): void {
    const { node } = this.#context;
    const ref = frame.ref;
    if (isEventFrame(frame)) {
      if (frame.type === ClientFrameType.search && !this.#charge(SEARCH_ITEMS, ref)) return;
      handleEventRequest(frame, {
        id: this.id,
        helloName: this.#helloName,
        identity: this.#identity,
        allowTyping: (chatId, nowMs) =>
          (this.#typing ??= new TypingThrottle(TYPING_INTERVAL)).allow(chatId, nowMs),
        reply: (frame) => this.#out().reply(frame),
        sendText: (text) => this.#out().sendText(text),
        error: (code, message, ref) => this.#out().error(code, message, ref),
      }, this.#context);
      return;
    }
    switch (frame.type) {
      case ClientFrameType.newMessageFromClient:
        return this.#send(frame.payload, ref);
      case ClientFrameType.clientSyncRequest: {
        const answer = answerSync(node, frame.payload, this.#identity, ref);
        if (!answer.ok) return this.#out().error(answer.error.code, answer.error.message, ref);
        // In the same turn as the reply: no live frame can slip between the two.
        const since = answer.value.since;
        if (since) this.#socket.claimSince?.(since, frame.payload.chatId);
        this.#out().reply(answer.value.frame);
        // A hello client may have been shown a losing copy elsewhere: duplicateOf (section 7).
        if (this.#helloName === undefined) return;
        for (const text of node.updates.retractionFrames(answer.value.shown)) {
          this.#out().sendText(text);
        }
        return;
      }
      case ClientFrameType.hello:
        return this.#hello(frame.payload.name, ref);
      case ClientFrameType.subscribe: {
        if (!this.#charge(frame.payload.chatIds?.length ?? 0, ref)) return;
        const refused = this.#follow(frame.payload.chatIds);
        if (this.#helloName !== undefined) {
          node.presence.subscribe(this.id, this.#followed());
        }
        if (refused.length > 0) {
          this.#out().error("forbidden", subscriptions.notFollowed(refused), ref);
        }
        return;
      }
      case ClientFrameType.createChat:
        if (!this.#chatQuotaAdmits(ref)) return;
        return this.#createChat(frame.payload, ref);
      case ClientFrameType.listChats: {
        const page = chatListPage(node, frame.payload, this.#identity);
        if (!this.#charge(page.chats.length, ref)) return;
        const more = page.more || undefined;
        this.#out().reply({ type: ServerFrameType.chatList, payload: page.chats, more, ref });
        return;
      }
      case ClientFrameType.renameChat: {
        if (!this.#chatQuotaAdmits(ref)) return;
        return renameChat(node, frame.payload, {
          helloName: this.#helloName,
          identity: this.#identity,
          sendText: (text) => this.#out().sendText(text),
          error: (code, message, ref) => this.#out().error(code, message, ref),
          refused: (error, ref) => this.#out().refused(error, "chat", ref),
        }, ref);
      }
      case ClientFrameType.presence: {
        const list = node.access.presenceFor(frame.payload.chatId, this.#identity);
        if (!list.ok) return this.#out().error(list.error.code, list.error.message, ref);
        this.#out().reply({ type: ServerFrameType.presenceList, payload: list.value, ref });
        return;
      }
    }
  }

  /** `newMessageFromClient`: stored, then acknowledged when it names a clientMsgId. */
  #send(request: NewMessagePayload, ref: string | undefined): void {
    const { node } = this.#context;
    const refused = node.access.checkSpeaker(request.sender, this.#identity) ??
      node.access.checkChat(request.chatId, this.#identity);
    if (refused) return this.#out().error(refused.code, refused.message, ref);
    const clientMsgId = request.clientMsgId;
    node.sendLocal(request).then((outcome) => {
      this.#context.metrics.acked.inc();
      if (clientMsgId === undefined) return;
      const payload = { clientMsgId, messageId: outcome.message.messageId };
      this.#out().reply({ type: ServerFrameType.clientMessageResponse, payload, ref });
    }, (error: Error) => this.#out().refused(error, "message", ref));
  }

  /** `hello`: the welcome first, then hello events and presence (renames throttled). */
  #hello(name: string, ref: string | undefined): void {
    const { node } = this.#context;
    const refused = node.access.checkSpeaker(name, this.#identity);
    if (refused) return this.#out().error(refused.code, refused.message, ref);
    const first = this.#helloName === undefined;
    this.#helloName = name;
    const welcome = { nodeId: node.nodeId, vector: node.vector(), updates: node.updates.vector() };
    this.#out().reply({ type: ServerFrameType.welcome, payload: welcome, ref });
    // The welcome answers the hello: it leaves before the presence event the join publishes.
    this.#out().flush();
    if (first) this.#socket.subscribe(HELLO_TOPIC);
    this.#names ??= new NameAnnouncer(() => {
      node.presence.join(this.id, this.#helloName!, this.#followed());
    });
    this.#names.announce();
  }

  /** The chat quotas (creations and renames together): false, and `rate_limited`, when spent. */
  #chatQuotaAdmits(ref: string | undefined): boolean {
    const quota = this.#context.chatQuota?.admitFor(this);
    if (!quota || quota.ok) return true;
    this.#out().error("rate_limited", quota.message, ref);
    return false;
  }

  /** `createChat`: `chatCreated` to this client, and to every hello client once stored. */
  #createChat(request: CreateChatPayload, ref: string | undefined): void {
    const { node } = this.#context;
    const members = node.access.privateMembers(request, this.#identity);
    if (!members.ok) return this.#out().error(members.error.code, members.error.message, ref);
    node.createChat(request.name, (text) => {
      if (this.#socket.readyState === OPEN) this.#socket.publish(HELLO_TOPIC, text);
      else node.publishToHello(text);
    }, { creator: this.#helloName, members: members.value, cause: this }).then((chat) => {
      this.#out().sendText(node.chatCreatedFrame(chat, ref));
    }, (error: Error) => this.#out().refused(error, "chat", ref));
  }
}
