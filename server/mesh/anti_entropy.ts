/**
 * Anti-entropy over one peer link: each side asks the other for what it lacks
 * ("here is my vector") and gets one bounded page per request; when the page
 * says `more`, the next request (from where that page ends) goes out at once,
 * while the page is being stored. One request in flight per direction and at
 * most one page being stored, so a catch-up of a day's messages is a chain of
 * small frames interleaved with live traffic, never a flood that stalls it.
 *
 * An origin whose message this node refused from the peer (remote_screen.ts:
 * stamped too far ahead, this node's own seqs, malformed) is deferred on this
 * link: requests ask the peer to skip it (`skip`) until that message would
 * pass, at most a minute at a time, so a peer with a clock far ahead costs one
 * page a minute instead of its whole backlog every round, and the origin comes
 * back by itself once the clocks agree. Other links and other origins are not
 * affected.
 *
 * Invariant: a reply is accepted only for the request in flight (a late reply
 * of an abandoned request is dropped, its messages come again); serving a
 * request never sends past this node's contiguous marks (see sync_diff.ts); an
 * origin is skipped only while deferred, so nothing is left out for good.
 * @module
 */

import type { ChatMessage, VectorWire } from "../../common/protocol.ts";
import { type Clock, systemClock } from "../../common/clock.ts";
import { buildSyncPage, pageEnds, type SyncItem } from "../../common/sync_diff.ts";
import { messageJson } from "../../common/message_json.ts";
import { encodePackedFrames, packedMessageJson } from "../../common/packed_messages.ts";
import { PeerUpdateFrameType, type ReplicatedUpdate } from "../../common/peer_update_protocol.ts";
import {
  encodeListFrames,
  encodePeerFrame,
  MAX_SYNC_PAGE_BYTES,
  PACKED_FORM,
  PEER_FRAME_MAX_BYTES,
  PeerFrameType,
  SYNC_SKIP_MAX,
  type SyncRequestPayload,
} from "../../common/peer_protocol.ts";
import type { CatchUpBaton } from "./catch_up_baton.ts";
import type { RemoteOutcome } from "../core/remote_screen.ts";
import {
  decodeVector,
  encodeVector,
  mergeVectors,
  type VersionVector,
} from "../../common/version_vector.ts";

/** The part of the chat node anti-entropy needs: one log numbered per origin (messages, updates). */
export interface AntiEntropyNode<T extends SyncItem = ChatMessage> {
  vector(): VectorWire;
  readAfter(originNodeId: number, afterSeq: number, limit: number): T[];
  /** Resolves, once stored, with what it refused (a log that refuses nothing: void). */
  acceptRemote(items: T[]): Promise<RemoteOutcome | void>;
  /** Told of each page with more to come stored or served here: background work may wait. */
  noteCatchUp?(): void;
}

/** A deferred origin is asked for again after at most this long. */
export const DEFER_MAX_MS = 60_000;
/** ...and at least this long (a message a few ms ahead is not asked for in a loop). */
export const DEFER_MIN_MS = 1000;

/** Which frames a session speaks: messages' (the default) or another log's. */
export interface SyncChannel<T extends SyncItem> {
  requestType: string;
  replyType: string;
  /** The reply payload's key for its items. */
  itemsKey: string;
  encodeItem: (item: T) => string;
  /** The packed form of the items, when the log has one (common/packed_messages.ts). */
  packed?: {
    encodeItem: (item: T) => string;
    encodeFrames: typeof encodePackedFrames;
  };
}

/** The message log's frames: `syncRequest` / `syncReply {messages}` or `{runs}`. */
export const MESSAGE_SYNC_CHANNEL: SyncChannel<ChatMessage> = {
  requestType: PeerFrameType.syncRequest,
  replyType: PeerFrameType.syncReply,
  itemsKey: "messages",
  encodeItem: messageJson,
  packed: { encodeItem: packedMessageJson, encodeFrames: encodePackedFrames },
};

/** Frames and messages one page may span (a peer past them is not answered: memory stays bounded). */
const MAX_PAGE_FRAMES = 64;
const MAX_PAGE_MESSAGES = 50_000;

/** The update log's frames: `updateSyncRequest` / `updateSyncReply {updates}`. */
export const UPDATE_SYNC_CHANNEL: SyncChannel<ReplicatedUpdate> = {
  requestType: PeerUpdateFrameType.syncRequest,
  replyType: PeerUpdateFrameType.syncReply,
  itemsKey: "updates",
  encodeItem: (update) => JSON.stringify(update),
};

/** A reply page as the session takes it. */
export interface SyncReply<T> {
  requestId: number;
  /** The items (the payload's messages or updates). */
  messages: T[];
  more: boolean;
  /** False on every frame of a multi-frame page but its last; absent means true. */
  last?: boolean;
}

export interface AntiEntropyOptions<T extends SyncItem = ChatMessage> {
  node: AntiEntropyNode<T>;
  /** @default MESSAGE_SYNC_CHANNEL */
  channel?: SyncChannel<T>;
  /** Sends one frame on the link. */
  send: (text: string) => void;
  /** A request unanswered this long is abandoned and may be sent again. @default 30_000 */
  requestTimeoutMs?: number;
  /** Called when a catch-up chain ends having brought something. */
  onCaughtUp?: (messageCount: number, pages: number) => void;
  /** Called when storing a page fails. */
  onError?: (error: unknown) => void;
  /** Told what the node refused of a page or a live batch (for the link's log). */
  onRefused?: (outcome: RemoteOutcome) => void;
  /** @default systemClock */
  clock?: Clock;
  /** Shared by a node's sessions: one multi-page chain at a time (see catch_up_baton.ts). */
  baton?: CatchUpBaton;
  /**
   * A page served to the peer carries one origin's items only up to seq (this node's own
   * messages that live fan-out already sent: own_mark_history.ts); undefined: no cap.
   */
  ownCap?: () => { origin: number; seq: number } | undefined;
  /**
   * Ask for packed pages of this many bytes (the channel must have a packed form). A page
   * then spans frames, and the requester stores it in one commit.
   */
  packedPageBytes?: number;
}

export class AntiEntropySession<T extends SyncItem = ChatMessage> {
  #options: AntiEntropyOptions<T>;
  #channel: SyncChannel<T>;
  #nextRequestId = 1;
  #inFlight: { requestId: number; sentAtMs: number } | null = null;
  #againAfterReply = false;
  #chainMessages = 0;
  #chainPages = 0;
  #closed = false;
  /** The store of the previous page, awaited before the next one starts. */
  #storing: Promise<RemoteOutcome | void> = Promise.resolve();
  /** During a chain: the marks this node will have once every received page is stored. */
  #expected: VersionVector | undefined;
  /** The frames of a page received so far (packed pages span frames). */
  #parts: { requestId: number; messages: T[]; frames: number } | undefined;
  /** Origins this link's requests skip, until when (clock ms). */
  #deferred = new Map<number, number>();

  constructor(options: AntiEntropyOptions<T>) {
    this.#options = options;
    this.#channel = options.channel ?? (MESSAGE_SYNC_CHANNEL as unknown as SyncChannel<T>);
  }

  /** True while a request waits for its reply. */
  get busy(): boolean {
    return this.#inFlight !== null;
  }

  /**
   * What the node refused of a batch from this peer: told to onRefused, and the origin is
   * deferred on this link: a message stamped too far ahead until it would pass (at least
   * DEFER_MIN_MS), anything else (this node's own seqs, malformed) for DEFER_MAX_MS.
   */
  noteRefused(outcome: RemoteOutcome | void): void {
    if (!outcome || outcome.refused.length === 0) return;
    const now = this.#now();
    for (const refusal of outcome.refused) {
      const waitMs = refusal.reason === "clock_ahead" ? refusal.waitMs ?? 0 : DEFER_MAX_MS;
      const until = now + Math.min(DEFER_MAX_MS, Math.max(DEFER_MIN_MS, waitMs));
      if (until > (this.#deferred.get(refusal.nodeId) ?? 0)) {
        this.#deferred.set(refusal.nodeId, until);
      }
    }
    this.#options.onRefused?.(outcome);
  }

  /** True while this link's requests skip the origin. */
  isDeferred(origin: number): boolean {
    if (this.#deferred.size === 0) return false;
    const until = this.#deferred.get(origin);
    return until !== undefined && until > this.#now();
  }

  /** Asks the peer for what this node lacks, unless a request is already out. */
  request(): void {
    if (this.#closed) return;
    const now = this.#now();
    const timeoutMs = this.#options.requestTimeoutMs ?? 30_000;
    if (this.#inFlight && now - this.#inFlight.sentAtMs < timeoutMs) {
      this.#againAfterReply = true;
      return;
    }
    this.#againAfterReply = false;
    this.#expected = undefined;
    this.#send(this.#options.node.vector());
  }

  /**
   * Stores a page; when there is more, asks for the next page at once, from where this
   * page ends, so the peer builds it while this one is stored. At most two pages are
   * ever pending (one storing, one in flight): each reply first waits for the store of
   * the one before.
   */
  async handleReply(reply: SyncReply<T>): Promise<void> {
    if (this.#closed || this.#inFlight?.requestId !== reply.requestId) return;
    this.#inFlight = null;
    try {
      await this.#storing;
    } catch {
      // reported by the reply that started it
    }
    if (this.#closed) return;
    this.#chainMessages += reply.messages.length;
    this.#chainPages += 1;
    const storing = reply.messages.length > 0
      ? this.#options.node.acceptRemote(reply.messages)
      : Promise.resolve();
    this.#storing = storing;
    if (reply.more && this.#options.baton && !this.#options.baton.take(this)) {
      // Another peer is already bringing this node up to date: end this chain here;
      // the baton's holder asks us to go again once it lets go.
      reply = { ...reply, more: false };
      this.#expected = undefined;
    }
    if (reply.more) {
      this.#options.node.noteCatchUp?.();
      const from = this.#expected ?? decodeVector(this.#options.node.vector()) ?? new Map();
      this.#expected = mergeVectors(from, pageEnds(reply.messages));
      this.#send(encodeVector(this.#expected));
    }
    try {
      this.noteRefused(await storing);
    } catch (error) {
      this.#options.onError?.(error);
      this.#expected = undefined;
      this.#options.baton?.release(this);
      return;
    }
    if (reply.more || this.#closed) return;
    this.#expected = undefined;
    this.#options.baton?.release(this);
    if (this.#againAfterReply) {
      this.request();
      return;
    }
    if (this.#chainMessages > 0) this.#options.onCaughtUp?.(this.#chainMessages, this.#chainPages);
    this.#chainMessages = 0;
    this.#chainPages = 0;
  }

  /**
   * One frame of a reply; a page that spans frames (`last: false` on all but its final
   * one) is handled once whole. Frames of any other request are dropped; a page past the
   * bounds abandons its request (the next round asks again).
   */
  handleReplyPart(reply: SyncReply<T>): Promise<void> {
    if (reply.last !== false && this.#parts === undefined) return this.handleReply(reply);
    if (this.#closed || this.#inFlight?.requestId !== reply.requestId) {
      this.#parts = undefined;
      return Promise.resolve();
    }
    if (this.#parts?.requestId !== reply.requestId) {
      this.#parts = { requestId: reply.requestId, messages: [], frames: 0 };
    }
    const parts = this.#parts;
    parts.frames += 1;
    for (const message of reply.messages) parts.messages.push(message);
    if (parts.frames > MAX_PAGE_FRAMES || parts.messages.length > MAX_PAGE_MESSAGES) {
      this.#parts = undefined;
      this.#inFlight = null;
      return Promise.resolve();
    }
    if (reply.last === false) return Promise.resolve();
    this.#parts = undefined;
    return this.handleReply({
      requestId: reply.requestId,
      messages: parts.messages,
      more: reply.more,
    });
  }

  /** Answers a peer's request with one page of what it lacks. */
  handleRequest(request: SyncRequestPayload): void {
    if (this.#closed) return;
    const cap = this.#options.ownCap?.();
    const options = cap ? { cap } : {};
    for (const frame of syncReplyFrames(this.#options.node, request, this.#channel, options)) {
      this.#options.send(frame);
    }
  }

  #send(vector: VectorWire): void {
    const requestId = this.#nextRequestId++;
    const now = this.#now();
    this.#inFlight = { requestId, sentAtMs: now };
    this.#parts = undefined;
    const payload: SyncRequestPayload = { requestId, vector };
    const pageBytes = this.#options.packedPageBytes;
    if (pageBytes !== undefined && this.#channel.packed) {
      payload.packed = PACKED_FORM;
      payload.pageBytes = Math.min(pageBytes, MAX_SYNC_PAGE_BYTES);
    }
    const skip = this.#skipList(now);
    if (skip) payload.skip = skip;
    this.#options.send(encodePeerFrame(this.#channel.requestType, payload));
  }

  /** The origins deferred now (expired ones forgotten); undefined when none. */
  #skipList(now: number): number[] | undefined {
    if (this.#deferred.size === 0) return undefined;
    const skip: number[] = [];
    for (const [origin, until] of this.#deferred) {
      if (until > now) skip.push(origin);
      else this.#deferred.delete(origin);
    }
    return skip.length > 0 ? skip.slice(0, SYNC_SKIP_MAX) : undefined;
  }

  #now(): number {
    return (this.#options.clock ?? systemClock).nowMs();
  }

  /** Stops sending; later replies are ignored. */
  close(): void {
    this.#closed = true;
    this.#inFlight = null;
    this.#options.baton?.release(this);
  }
}

/**
 * The reply frames to a sync request: one bounded page of what the requester lacks, in one
 * frame (object form), or, when it asked for packed pages, in as many frames of at most
 * frameBytes as its page size takes. None for a request whose vector does not parse. With
 * `cap`, the page carries that origin's items only up to its seq.
 */
export function syncReplyFrames<T extends SyncItem = ChatMessage>(
  node: AntiEntropyNode<T>,
  request: SyncRequestPayload,
  channel: SyncChannel<T> = MESSAGE_SYNC_CHANNEL as unknown as SyncChannel<T>,
  options: { frameBytes?: number; cap?: { origin: number; seq: number } } = {},
): string[] {
  const requesterVector = decodeVector(request.vector);
  const responderVector = decodeVector(node.vector());
  if (!requesterVector || !responderVector) return [];
  const cap = options.cap;
  if (cap && (responderVector.get(cap.origin) ?? 0) > cap.seq) {
    responderVector.set(cap.origin, cap.seq);
  }
  const packed = request.packed === PACKED_FORM ? channel.packed : undefined;
  const frameBytes = options.frameBytes ?? PEER_FRAME_MAX_BYTES;
  const readAfter = (origin: number, afterSeq: number, limit: number) =>
    node.readAfter(origin, afterSeq, limit);
  const skipOrigins = request.skip ? new Set(request.skip) : undefined;
  if (packed) {
    const page = buildSyncPage<T>({
      responderVector,
      requesterVector,
      encodeItem: packed.encodeItem,
      readAfter,
      skipOrigins,
      maxBytes: Math.min(request.pageBytes ?? frameBytes, MAX_SYNC_PAGE_BYTES),
      maxMessages: MAX_PAGE_MESSAGES,
    });
    if (page.more) node.noteCatchUp?.();
    return packed.encodeFrames(channel.replyType, page.messages as unknown as ChatMessage[], {
      maxBytes: frameBytes,
      extra: (isLast) =>
        isLast
          ? { requestId: request.requestId, more: page.more }
          : { requestId: request.requestId, more: false, last: false },
    });
  }
  const page = buildSyncPage<T>({
    responderVector,
    requesterVector,
    encodeItem: channel.encodeItem,
    readAfter,
    skipOrigins,
  });
  if (page.more) node.noteCatchUp?.();
  return encodeListFrames(channel.replyType, channel.itemsKey, page.messages, {
    encodeItem: channel.encodeItem as (item: never) => string,
    extra: (isLast) => ({ requestId: request.requestId, more: isLast ? page.more : true }),
  });
}
