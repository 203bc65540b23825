/**
 * The client's own messages that no node has acknowledged yet. Each has a
 * clientMsgId fixed at creation, so resending it after a failover (to the same
 * or another node) is idempotent: the cluster deduplicates (sender, clientMsgId).
 *
 * Invariant: an entry leaves the queue only when acknowledged, seen delivered,
 * or rejected by a node; entries keep their creation order.
 * @module
 */

import type { NewMessagePayload } from "../common/protocol.ts";

export interface PendingSend {
  clientMsgId: string;
  chatId: number;
  text: string;
  sender: string;
  /** When it was queued (ms since the epoch), for the ack timeout. */
  queuedAtMs: number;
}

export interface PendingSendsOptions {
  /** Makes a fresh clientMsgId (1..64 chars). @default crypto.randomUUID */
  newClientMsgId?: () => string;
  /** @default Date.now */
  nowMs?: () => number;
}

export class PendingSends {
  #entries = new Map<string, PendingSend>();
  #newClientMsgId: () => string;
  #nowMs: () => number;

  constructor(options: PendingSendsOptions = {}) {
    this.#newClientMsgId = options.newClientMsgId ?? (() => crypto.randomUUID());
    this.#nowMs = options.nowMs ?? Date.now;
  }

  /** Queues a new message and returns it. */
  add(message: { text: string; chatId: number; sender: string }): PendingSend {
    const entry: PendingSend = {
      clientMsgId: this.#newClientMsgId(),
      chatId: message.chatId,
      text: message.text,
      sender: message.sender,
      queuedAtMs: this.#nowMs(),
    };
    this.#entries.set(entry.clientMsgId, entry);
    return entry;
  }

  /** Removes and returns the entry with this clientMsgId, if it is still pending. */
  resolve(clientMsgId: string): PendingSend | undefined {
    const entry = this.#entries.get(clientMsgId);
    if (entry) this.#entries.delete(clientMsgId);
    return entry;
  }

  /** True when this clientMsgId is still waiting. */
  has(clientMsgId: string): boolean {
    return this.#entries.has(clientMsgId);
  }

  /** The entry with this clientMsgId while it is still waiting. */
  get(clientMsgId: string): PendingSend | undefined {
    return this.#entries.get(clientMsgId);
  }

  /** The pending entries, oldest first. */
  list(): PendingSend[] {
    return [...this.#entries.values()];
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The age of the oldest pending entry in ms, 0 when none. */
  oldestAgeMs(): number {
    const oldest = this.#entries.values().next().value;
    return oldest ? this.#nowMs() - oldest.queuedAtMs : 0;
  }
}

/** The frame that sends (or resends) a pending message; `ref` is its clientMsgId so errors map back. */
export function pendingSendFrame(entry: PendingSend): {
  type: "newMessageFromClient";
  payload: NewMessagePayload;
  ref: string;
} {
  return {
    type: "newMessageFromClient",
    payload: {
      text: entry.text,
      sender: entry.sender,
      chatId: entry.chatId,
      clientMsgId: entry.clientMsgId,
    },
    ref: entry.clientMsgId,
  };
}
