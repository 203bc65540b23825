/**
 * The client's own messages that no node has acknowledged yet. Each has a
 * clientMsgId fixed at creation, so resending it after a failover (to the same
 * or another node) is idempotent: the cluster deduplicates (sender, clientMsgId).
 *
 * Invariant: an entry leaves the queue only when acknowledged, seen delivered,
 * or refused for good by a node; entries keep their creation order.
 * @module
 */

import { type ClientFrame, ClientFrameType } from "../common/protocol.ts";
import { randomHex } from "../common/random_hex.ts";

export interface PendingSend {
  clientMsgId: string;
  chatId: number;
  text: string;
  sender: string;
  /** When it was queued (ms, the session's clock), for ack timeouts and display. */
  queuedAtMs: number;
}

export interface PendingSendsOptions {
  /** Makes a fresh clientMsgId (1..64 chars). @default 32 random hex digits */
  newClientMsgId?: () => string;
  /** @default Date.now */
  nowMs?: () => number;
}

/** 32 hex digits from WebCrypto (every runtime has it, unlike randomUUID on plain-http pages). */
export function randomClientMsgId(): string {
  return randomHex(16);
}

export class PendingSends {
  #entries = new Map<string, PendingSend>();
  #newClientMsgId: () => string;
  #nowMs: () => number;

  constructor(options: PendingSendsOptions = {}) {
    this.#newClientMsgId = options.newClientMsgId ?? randomClientMsgId;
    this.#nowMs = options.nowMs ?? Date.now;
  }

  /**
   * Queues a message and returns it. `restore` puts back one queued before (a
   * reloaded page): it keeps its clientMsgId, so a resend stays idempotent.
   */
  add(
    message: { text: string; chatId: number; sender: string },
    restore?: { clientMsgId: string; queuedAtMs: number },
  ): PendingSend {
    const entry: PendingSend = {
      clientMsgId: restore?.clientMsgId ?? this.#newClientMsgId(),
      chatId: message.chatId,
      text: message.text,
      sender: message.sender,
      queuedAtMs: restore?.queuedAtMs ?? this.#nowMs(),
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
export function pendingSendFrame(entry: PendingSend): ClientFrame {
  return {
    type: ClientFrameType.newMessageFromClient,
    payload: {
      text: entry.text,
      sender: entry.sender,
      chatId: entry.chatId,
      clientMsgId: entry.clientMsgId,
    },
    ref: entry.clientMsgId,
  };
}

/**
 * What a node's `error` about a send means: `rate_limited` goes again on the same
 * connection soon; `unavailable` (the node could not store it) waits for the next
 * connection; anything else is refused for good (sending it again cannot help).
 */
export function sendRefusal(code: string): "retrySoon" | "retryOnNextConnection" | "refused" {
  if (code === "rate_limited") return "retrySoon";
  if (code === "unavailable") return "retryOnNextConnection";
  return "refused";
}
