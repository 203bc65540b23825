/**
 * Bun pub/sub topics for local delivery, and the narrow publisher shape the
 * core needs (Bun's Server satisfies it; tests pass a recording object).
 *
 * Invariant: a client connection is subscribed either to ALL_CHATS_TOPIC or to
 * some chatTopic(id), never both, so each message reaches it exactly once.
 * @module
 */

import type { ChatMessage } from "../../common/protocol.ts";

/** Connections that want every chat (the default, and original clients). */
export const ALL_CHATS_TOPIC = "all";
/** Connections that said hello: chatCreated and presence events. */
export const HELLO_TOPIC = "hello";

export function chatTopic(chatId: number): string {
  return `chat:${chatId}`;
}

/** True for the topics that carry messages: ALL_CHATS_TOPIC and every chatTopic. */
export function isMessageTopic(topic: string): boolean {
  return topic === ALL_CHATS_TOPIC || topic.startsWith("chat:");
}

export interface LocalPublisher {
  publish(topic: string, data: string): unknown;
  /**
   * Publishes one message's live frame to its chat topic and ALL_CHATS_TOPIC, and to
   * connections held off pub/sub while they resume (transport/resume_gate.ts) unless
   * they already have it. Without it, the core publishes to the two topics itself.
   */
  publishMessage?(message: ChatMessage, frame: string): unknown;
  /** Connections on a topic (for the delivered counter); 0 when unknown. */
  subscriberCount?(topic: string): number;
}
