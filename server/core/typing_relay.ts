/**
 * Typing indicators (PROTOCOL.md section 7): a hello client's `typing {chatId}`
 * goes to the chat's other hello readers on this node and, through the mesh,
 * on every node. Never stored. The reader expires it (Limits.typingExpiresMs);
 * each connection's rate is the session's business (common/typing_throttle.ts).
 *
 * Invariant: a typing event never reaches a connection of the typer's own name,
 * nor one that may not read the chat.
 * @module
 */

import { ServerFrameType, type TypingEventPayload } from "../../common/protocol.ts";
import { encodeServerFrame } from "../../common/server_frame_codec.ts";
import type { LocalPublisher } from "./delivery_topics.ts";

export class TypingRelay {
  #nodeId: number;
  #publisher: LocalPublisher;
  #localListeners = new Set<(event: TypingEventPayload) => void>();

  constructor(nodeId: number, publisher: LocalPublisher) {
    this.#nodeId = nodeId;
    this.#publisher = publisher;
  }

  /** A local hello client is typing in chatId. */
  local(chatId: number, name: string): void {
    const event: TypingEventPayload = { chatId, name, nodeId: this.#nodeId };
    this.#deliver(event);
    for (const listener of this.#localListeners) listener(event);
  }

  /** A peer's client is typing. */
  remote(event: TypingEventPayload): void {
    this.#deliver(event);
  }

  /** Listener gets this node's clients' typing events (the mesh sends them on). */
  onLocal(listener: (event: TypingEventPayload) => void): () => void {
    this.#localListeners.add(listener);
    return () => this.#localListeners.delete(listener);
  }

  #deliver(event: TypingEventPayload): void {
    const frame = encodeServerFrame({
      type: ServerFrameType.typing,
      payload: event,
      source: this.#nodeId,
    });
    this.#publisher.publishToReaders?.(event.chatId, frame, { exceptName: event.name });
  }
}
