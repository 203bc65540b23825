/**
 * The user's own messages on their way: each goes out on the current
 * connection and again on every new one (same clientMsgId, so the cluster
 * keeps one copy), until a node acknowledges it or delivers it back; a send
 * refused as `rate_limited` goes again 1-2 s later on the same connection, one
 * refused for good is given up (sendRefusal() says which is which).
 *
 * Invariant: each entry is settled (acked or rejected) at most once, and
 * `pendingChanged` follows every change of the queue.
 * @module
 */

import type { ChatMessage, ClientFrame, ErrorPayload } from "../common/protocol.ts";
import {
  type PendingSend,
  pendingSendFrame,
  type PendingSends,
  sendRefusal,
} from "./pending_sends.ts";
import type { SessionEvent } from "./session_event.ts";
import type { Timers } from "./timers.ts";

/** A send refused with `rate_limited` goes again after 1-2 s on the same connection. */
export const RATE_LIMITED_RETRY_MS = 1000;

export interface OutboxOptions {
  pending: PendingSends;
  emit(event: SessionEvent): void;
  /** Sends a frame on the current connection; nothing when offline. */
  transmit(frame: ClientFrame): void;
  /** The current connection (compared by identity); undefined when offline. */
  connection(): object | undefined;
  timers: Timers;
  random: () => number;
}

export class Outbox {
  #options: OutboxOptions;

  constructor(options: OutboxOptions) {
    this.#options = options;
  }

  /** Queues a message and sends it now if connected. */
  add(message: { text: string; chatId: number; sender: string }): PendingSend {
    const entry = this.#options.pending.add(message);
    this.#options.transmit(pendingSendFrame(entry));
    this.#options.emit({ kind: "pendingChanged" });
    return entry;
  }

  /** A new connection: everything still pending goes again, oldest first. */
  sendAll(): void {
    for (const entry of this.#options.pending.list()) {
      this.#options.transmit(pendingSendFrame(entry));
    }
  }

  /** A node acknowledged a send. */
  acked(clientMsgId: string, messageId: string): void {
    const entry = this.#options.pending.resolve(clientMsgId);
    if (!entry) return;
    this.#options.emit({ kind: "acked", entry, messageId });
    this.#options.emit({ kind: "pendingChanged" });
  }

  /** A message arrived: when it is a copy of a pending send, it is as good as the ack. */
  delivered(message: ChatMessage): void {
    if (message.clientMsgId === undefined) return;
    const entry = this.#options.pending.get(message.clientMsgId);
    if (entry && entry.sender === message.sender) this.acked(entry.clientMsgId, message.messageId);
  }

  /** An `error` frame: true when it was about a pending send (and is handled). */
  refused(error: ErrorPayload, ref: string | undefined): boolean {
    const { pending, emit } = this.#options;
    const entry = ref === undefined ? undefined : pending.get(ref);
    if (!entry) return false;
    switch (sendRefusal(error.code)) {
      case "retrySoon":
        this.#retrySoon(entry);
        break;
      case "retryOnNextConnection":
        emit({ kind: "serverError", code: error.code, message: error.message });
        break;
      case "refused":
        pending.resolve(entry.clientMsgId);
        emit({
          kind: "rejected",
          entry,
          code: error.code,
          reason: `${error.code}: ${error.message}`,
        });
        emit({ kind: "pendingChanged" });
    }
    return true;
  }

  #retrySoon(entry: PendingSend): void {
    const { pending, timers, random, connection, transmit } = this.#options;
    const refusedOn = connection();
    timers.setTimeout(() => {
      const still = pending.get(entry.clientMsgId);
      if (still && refusedOn !== undefined && connection() === refusedOn) {
        transmit(pendingSendFrame(still));
      }
    }, RATE_LIMITED_RETRY_MS * (1 + random()));
  }
}
