/**
 * What this node originated, handed to the mesh after commit: its own messages
 * (batched per tick, for live fan-out to peers) and the chats created here.
 * Listeners come and go with the mesh's links; one failing listener never stops
 * the others or the write path.
 *
 * Invariant: a message is handed over once, after its commit, in commit order,
 * together with the others committed in the same tick.
 * @module
 */

import type { Logger } from "../../common/logger.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type { ChatRecord } from "../store/message_store.ts";

export class LocalCommitFeed {
  #messageListeners = new Set<(messages: ChatMessage[]) => void>();
  #chatListeners = new Set<(chat: ChatRecord) => void>();
  #batch: ChatMessage[] = [];
  #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Listener gets this node's own messages after their commit (batched per tick). */
  onMessages(listener: (messages: ChatMessage[]) => void): () => void {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }

  /** Listener gets chats created on this node after their commit. */
  onChat(listener: (chat: ChatRecord) => void): () => void {
    this.#chatListeners.add(listener);
    return () => this.#chatListeners.delete(listener);
  }

  /** A message of this node, committed: handed over with the rest of this tick's. */
  committed(message: ChatMessage): void {
    this.#batch.push(message);
    if (this.#batch.length === 1) queueMicrotask(() => this.#emitMessages());
  }

  /** A chat created here, committed. */
  chatCreated(chat: ChatRecord): void {
    for (const listener of this.#chatListeners) this.#call(() => listener({ ...chat }));
  }

  #emitMessages(): void {
    const batch = this.#batch;
    this.#batch = [];
    for (const listener of this.#messageListeners) this.#call(() => listener(batch));
  }

  #call(deliver: () => void): void {
    try {
      deliver();
    } catch (error) {
      this.#logger.error("local commit listener failed", { error: (error as Error).message });
    }
  }
}
