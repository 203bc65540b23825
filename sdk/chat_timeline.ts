/**
 * One chat's messages as a client shows them: confirmed messages in canonical
 * order, then this client's own sends that no node has confirmed yet. Pure: no
 * DOM, no socket. The web page draws it; an embedder gets one per chat from
 * DSatterClient.timeline().
 *
 * Invariants: a message shows at most once, whichever way it arrived (history
 * page, live frame, resume, twice from two nodes): by messageId, and by
 * (sender, clientMsgId), where the copy with the lowest (nodeId, seq) wins, as
 * on every node. A pending send disappears the moment its confirmed copy
 * arrives, so it never shows twice either; a copy the nodes declare hidden
 * (`duplicateOf`) gives its row to the copy that stays.
 * @module
 */

import type { ChatMessage, MessageUpdatePayload } from "../common/protocol.ts";
import { compareCanonical } from "../common/canonical_order.ts";
import { decodeMessageId } from "../common/message_id.ts";
import type { PendingSend as QueuedSend } from "./pending_sends.ts";

/** An own send not delivered back yet, as shown: waiting, acknowledged, or refused. */
export interface PendingSend extends QueuedSend {
  /** Set once the node acknowledged it (durable), before its copy arrived. */
  messageId?: string;
  /** Set when the node refused it for good (an `error` frame for it): never resent. */
  failure?: string;
}

/** One row of the view; `key` is stable across the pending -> confirmed switch. */
export type TimelineEntry =
  | { kind: "message"; key: string; message: ChatMessage }
  | { kind: "pending"; key: string; pending: PendingSend };

export interface ChatTimeline {
  /** Adds messages from any source; returns the ones not held before, canonical order. */
  addMessages(messages: readonly ChatMessage[]): ChatMessage[];
  /** Adds an own send that waits for its confirmation (once: a known one keeps its state). */
  addPending(pending: PendingSend): void;
  /** Marks a pending send acknowledged; false when none has that clientMsgId. */
  acknowledge(clientMsgId: string, messageId: string): boolean;
  /**
   * Section 7: the message as it now is (edited, deleted), or a hidden copy of
   * another send (`duplicateOf`), which leaves the view. True when the view changed.
   */
  update(update: MessageUpdatePayload): boolean;
  /** Marks a pending send refused for good; false when none has that clientMsgId. */
  fail(clientMsgId: string, reason: string): boolean;
  /** Pending sends neither acknowledged nor refused, in send order (resent after reconnect). */
  unacknowledged(): PendingSend[];
  /** What the view shows, top to bottom. */
  entries(): TimelineEntry[];
  /** The oldest confirmed message, the `before` of the next older page. */
  oldestMessageId(): string | undefined;
  /** How many confirmed messages are shown. */
  size(): number;
}

/** The row key of a sent message, the same while pending and once confirmed. */
export function ownMessageKey(sender: string, clientMsgId: string): string {
  return `own:${JSON.stringify([sender, clientMsgId])}`;
}

/** The row key of a message: by (sender, clientMsgId) when it has one, else by messageId. */
export function timelineKey(message: ChatMessage): string {
  return message.clientMsgId === undefined
    ? `id:${message.messageId}`
    : ownMessageKey(message.sender, message.clientMsgId);
}

function isLowerIdentity(a: ChatMessage, b: ChatMessage): boolean {
  return a.nodeId !== b.nodeId ? a.nodeId < b.nodeId : a.seq < b.seq;
}

/** Index of the first message that sorts after `message` (binary search). */
function insertionIndex(sorted: readonly ChatMessage[], message: ChatMessage): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareCanonical(sorted[middle], message) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function createChatTimeline(): ChatTimeline {
  return new SortedChatTimeline();
}

class SortedChatTimeline implements ChatTimeline {
  #sorted: ChatMessage[] = [];
  #seenIds = new Set<string>();
  /** Row key -> the message that holds that row (for clientMsgId duplicates). */
  #byKey = new Map<string, ChatMessage>();
  #pending = new Map<string, PendingSend>();

  addMessages(messages: readonly ChatMessage[]): ChatMessage[] {
    return messages.filter((message) => this.#addOne(message)).sort(compareCanonical);
  }

  addPending(send: PendingSend): void {
    if (this.#pending.has(send.clientMsgId)) return; // shown already, with its state
    if (this.#byKey.has(ownMessageKey(send.sender, send.clientMsgId))) return;
    this.#pending.set(send.clientMsgId, { ...send });
  }

  update(update: MessageUpdatePayload): boolean {
    const { duplicateOf, ...message } = update;
    const index = this.#sorted.findIndex((held) => held.messageId === message.messageId);
    if (duplicateOf !== undefined) this.#seenIds.add(message.messageId); // never shown again
    if (index < 0) return false;
    const old = this.#sorted[index];
    const key = timelineKey(old);
    if (duplicateOf !== undefined) {
      this.#sorted.splice(index, 1);
      if (this.#byKey.get(key) === old) this.#byKey.delete(key);
      const winner = decodeMessageId(duplicateOf);
      if (winner && !this.#sorted.some((held) => held.messageId === duplicateOf)) {
        // The copy that stays was never delivered here (nodes do not send it again): the
        // send stays on screen once, under the identity every node keeps.
        this.#seenIds.delete(duplicateOf);
        this.#addOne({ ...message, messageId: duplicateOf, ...winner });
      }
    } else {
      this.#sorted[index] = message; // same identity, same place in canonical order
      if (this.#byKey.get(key) === old) this.#byKey.set(key, message);
    }
    return true;
  }

  acknowledge(clientMsgId: string, messageId: string): boolean {
    const send = this.#pending.get(clientMsgId);
    if (!send) return false;
    send.messageId = messageId;
    return true;
  }

  fail(clientMsgId: string, reason: string): boolean {
    const send = this.#pending.get(clientMsgId);
    if (!send || send.messageId !== undefined) return false;
    send.failure = reason;
    return true;
  }

  unacknowledged(): PendingSend[] {
    return [...this.#pending.values()].filter((send) =>
      send.messageId === undefined && send.failure === undefined
    );
  }

  entries(): TimelineEntry[] {
    const rows: TimelineEntry[] = this.#sorted.map((message) => ({
      kind: "message",
      key: timelineKey(message),
      message,
    }));
    for (const send of this.#pending.values()) {
      rows.push({
        kind: "pending",
        key: ownMessageKey(send.sender, send.clientMsgId),
        pending: send,
      });
    }
    return rows;
  }

  oldestMessageId(): string | undefined {
    return this.#sorted[0]?.messageId;
  }

  size(): number {
    return this.#sorted.length;
  }

  #addOne(message: ChatMessage): boolean {
    if (this.#seenIds.has(message.messageId)) return false;
    this.#seenIds.add(message.messageId);
    const key = timelineKey(message);
    const holder = this.#byKey.get(key);
    if (holder) {
      if (!isLowerIdentity(message, holder)) return false;
      const index = this.#sorted.indexOf(holder);
      if (index >= 0) this.#sorted.splice(index, 1);
    }
    this.#byKey.set(key, message);
    if (message.clientMsgId !== undefined) {
      const own = this.#pending.get(message.clientMsgId);
      if (own && own.sender === message.sender) this.#pending.delete(message.clientMsgId);
    }
    this.#sorted.splice(insertionIndex(this.#sorted, message), 0, message);
    return holder === undefined;
  }
}
