/**
 * Bun pub/sub topics for local delivery, and the narrow publisher shape the
 * core needs (Bun's Server satisfies it; tests pass a recording object).
 *
 * Invariant: a client connection is subscribed either to ALL_CHATS_TOPIC or to
 * some chatTopic(id), never both, so each message reaches it exactly once.
 * @module
 */

/** Connections that want every chat (the default, and original clients). */
export const ALL_CHATS_TOPIC = "all";
/** Connections that said hello: chatCreated and presence events. */
export const HELLO_TOPIC = "hello";

export function chatTopic(chatId: number): string {
  return `chat:${chatId}`;
}

export interface LocalPublisher {
  publish(topic: string, data: string): unknown;
  /** Connections on a topic (for the delivered counter); 0 when unknown. */
  subscriberCount?(topic: string): number;
}
