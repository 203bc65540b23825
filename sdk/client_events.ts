/**
 * What a DSatterClient tells its embedder, one typed event each, and the
 * small listener registry behind `client.on()`. New kinds (section 7 edits and
 * typing are here already) are added to DSatterClientEvents; every listener
 * stays typed by it.
 *
 * Invariant: a listener that throws never stops the client nor the other
 * listeners; its error is rethrown on its own, where the runtime reports it.
 * @module
 */

import type {
  Chat,
  ChatMessage,
  MessageUpdatePayload,
  TypingEventPayload,
} from "../common/protocol.ts";
import type { ConnectionState } from "./connection_state.ts";
import type { FailoverStatus } from "./failover_loop.ts";
import type { PendingSend } from "./pending_sends.ts";

export interface DSatterClientEvents {
  /** A message new to this client (each once, whichever node and path brought it). */
  message: { message: ChatMessage; origin: "live" | "missed" };
  /** A node acknowledged one of this client's sends: it is durable. */
  ack: { send: PendingSend; messageId: string };
  /** A node refused one of this client's sends for good. */
  rejected: { send: PendingSend; code: string; reason: string };
  /** The sends not yet acknowledged changed (to keep them across a reload). */
  pending: { sends: PendingSend[] };
  /** The connection changed: connecting, online, offline (retrying), closed. */
  state: ConnectionState;
  /** Who is online, cluster-wide (names, sorted), after a list or a change. */
  presence: { names: string[] };
  /**
   * The chats known so far (created, listed, or named by a message), by chatId; `listed`:
   * a node's chat list has been taken (from then on a chat not among them is unknown).
   */
  chats: { chats: Chat[]; listed: boolean };
  /** A node's error that is not about a send (a refused request, a malformed frame). */
  error: { code: string; message: string };
  /** Section 7: a message as it now is (edited, deleted, or a hidden duplicate). */
  messageUpdated: { update: MessageUpdatePayload };
  /** Section 7: someone is typing in a chat (over after 5 s without another). */
  typing: TypingEventPayload;
  /** Every report of the failover loop (dialing, lost, waiting, ...), for status lines. */
  failover: FailoverStatus;
}

export type EventKind = keyof DSatterClientEvents;
type Listener<K extends EventKind> = (event: DSatterClientEvents[K]) => void;

export class ClientListeners {
  #listeners = new Map<EventKind, Set<(event: never) => void>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends EventKind>(kind: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(kind);
    if (!set) this.#listeners.set(kind, set = new Set());
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  emit<K extends EventKind>(kind: K, event: DSatterClientEvents[K]): void {
    for (const listener of this.#listeners.get(kind) ?? []) {
      try {
        (listener as Listener<K>)(event);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
