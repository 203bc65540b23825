/**
 * What DSatterClient.send() promises, kept apart from the client: each send's
 * promise, waiting under its clientMsgId, and its row in its chat's timeline
 * (pending, then acknowledged or refused). The session (ChatSession and its
 * PendingSends) decides when a send is acknowledged or refused; this module only
 * tells the caller and the timeline.
 *
 * Invariant: a send's promise settles exactly once: resolved on its first
 * acknowledgement, rejected when a node refuses it for good or by rejectAll()
 * (the client closed); a later outcome for the same clientMsgId changes nothing.
 * @module
 */

import type { ChatTimeline } from "./chat_timeline.ts";
import type { PendingSend } from "./pending_sends.ts";

/** A send a node acknowledged: it is stored durably. */
export interface SendAck {
  clientMsgId: string;
  messageId: string;
}

interface Waiter {
  resolve(ack: SendAck): void;
  reject(error: Error): void;
}

export interface SendTrackerOptions {
  /** The timeline of a chat (created on first use). */
  timeline: (chatId: number) => ChatTimeline;
  /** Pending sends get a row in their timeline. @default true */
  pendingRows?: boolean;
}

export class SendTracker {
  #waiting = new Map<string, Waiter>();
  #timeline: (chatId: number) => ChatTimeline;
  #pendingRows: boolean;

  constructor(options: SendTrackerOptions) {
    this.#timeline = options.timeline;
    this.#pendingRows = options.pendingRows ?? true;
  }

  /** The promise of a send just queued under its clientMsgId. */
  wait(clientMsgId: string): Promise<SendAck> {
    return new Promise((resolve, reject) => this.#waiting.set(clientMsgId, { resolve, reject }));
  }

  /** A node has the send durably: its row shows it and its promise resolves. */
  acknowledged(send: PendingSend, messageId: string): void {
    const { clientMsgId } = send;
    this.#timeline(send.chatId).acknowledge(clientMsgId, messageId);
    this.#take(clientMsgId)?.resolve({ clientMsgId, messageId });
  }

  /** A node refused the send for good: its row says why and its promise rejects. */
  refused(send: PendingSend, reason: string): void {
    this.#timeline(send.chatId).fail(send.clientMsgId, reason);
    this.#take(send.clientMsgId)?.reject(
      new Error(`Cannot send message: the node refused it (${reason})`),
    );
  }

  /** Every pending send has its row in its chat's timeline. */
  showPending(sends: readonly PendingSend[]): void {
    if (!this.#pendingRows) return;
    for (const send of sends) this.#timeline(send.chatId).addPending(send);
  }

  /** Rejects every promise still waiting (the client closed). */
  rejectAll(error: Error): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const waiter of waiting) waiter.reject(error);
  }

  /** Promises still waiting. */
  get waitingCount(): number {
    return this.#waiting.size;
  }

  #take(clientMsgId: string): Waiter | undefined {
    const waiter = this.#waiting.get(clientMsgId);
    this.#waiting.delete(clientMsgId);
    return waiter;
  }
}
