/**
 * Anti-entropy over one peer link: each side asks the other for what it lacks
 * ("here is my vector") and gets one bounded page per request; when the page
 * says `more`, the next request goes out as soon as the page is stored. One
 * request in flight per direction, so a catch-up of a day's messages is a chain
 * of small frames interleaved with live traffic, never a flood that stalls it.
 *
 * Invariant: a reply is accepted only for the request in flight (a late reply
 * of an abandoned request is dropped, its messages come again); serving a
 * request never sends past this node's contiguous marks (see sync_diff.ts).
 * @module
 */

import type { ChatMessage, VectorWire } from "../common/protocol.ts";
import { buildSyncPage } from "../common/sync_diff.ts";
import {
  encodeListFrames,
  encodePeerFrame,
  PeerFrameType,
  type SyncReplyPayload,
  type SyncRequestPayload,
} from "../common/peer_protocol.ts";
import { decodeVector } from "../common/version_vector.ts";

/** The part of the chat node anti-entropy needs. */
export interface AntiEntropyNode {
  vector(): VectorWire;
  readAfter(originNodeId: number, afterSeq: number, limit: number): ChatMessage[];
  acceptRemote(messages: ChatMessage[]): Promise<void>;
}

export interface AntiEntropyOptions {
  node: AntiEntropyNode;
  /** Sends one frame on the link. */
  send: (text: string) => void;
  /** A request unanswered this long is abandoned and may be sent again. @default 30_000 */
  requestTimeoutMs?: number;
  /** Called when a catch-up chain ends having brought something. */
  onCaughtUp?: (messageCount: number, pages: number) => void;
  /** Called when storing a page fails. */
  onError?: (error: unknown) => void;
  /** @default Date.now */
  nowMs?: () => number;
}

export class AntiEntropySession {
  #options: AntiEntropyOptions;
  #nextRequestId = 1;
  #inFlight: { requestId: number; sentAtMs: number } | null = null;
  #againAfterReply = false;
  #chainMessages = 0;
  #chainPages = 0;
  #closed = false;

  constructor(options: AntiEntropyOptions) {
    this.#options = options;
  }

  /** True while a request waits for its reply. */
  get busy(): boolean {
    return this.#inFlight !== null;
  }

  /** Asks the peer for what this node lacks, unless a request is already out. */
  request(): void {
    if (this.#closed) return;
    const now = (this.#options.nowMs ?? Date.now)();
    const timeoutMs = this.#options.requestTimeoutMs ?? 30_000;
    if (this.#inFlight && now - this.#inFlight.sentAtMs < timeoutMs) {
      this.#againAfterReply = true;
      return;
    }
    const requestId = this.#nextRequestId++;
    this.#inFlight = { requestId, sentAtMs: now };
    this.#againAfterReply = false;
    const payload: SyncRequestPayload = { requestId, vector: this.#options.node.vector() };
    this.#options.send(encodePeerFrame(PeerFrameType.syncRequest, payload));
  }

  /** Stores a page, then asks for the next one when there is more. */
  async handleReply(reply: SyncReplyPayload): Promise<void> {
    if (this.#closed || this.#inFlight?.requestId !== reply.requestId) return;
    try {
      if (reply.messages.length > 0) await this.#options.node.acceptRemote(reply.messages);
    } catch (error) {
      this.#options.onError?.(error);
      this.#inFlight = null;
      return;
    }
    this.#inFlight = null;
    this.#chainMessages += reply.messages.length;
    this.#chainPages += 1;
    if (reply.more || this.#againAfterReply) {
      this.request();
      return;
    }
    if (this.#chainMessages > 0) this.#options.onCaughtUp?.(this.#chainMessages, this.#chainPages);
    this.#chainMessages = 0;
    this.#chainPages = 0;
  }

  /** Answers a peer's request with one page of what it lacks. */
  handleRequest(request: SyncRequestPayload): void {
    if (this.#closed) return;
    const requesterVector = decodeVector(request.vector);
    const responderVector = decodeVector(this.#options.node.vector());
    if (!requesterVector || !responderVector) return;
    const page = buildSyncPage({
      responderVector,
      requesterVector,
      readAfter: (origin, afterSeq, limit) => this.#options.node.readAfter(origin, afterSeq, limit),
    });
    const frames = encodeListFrames(PeerFrameType.syncReply, "messages", page.messages, {
      extra: (isLast) => ({ requestId: request.requestId, more: isLast ? page.more : true }),
    });
    for (const frame of frames) this.#options.send(frame);
  }

  /** Stops sending; later replies are ignored. */
  close(): void {
    this.#closed = true;
    this.#inFlight = null;
  }
}
