/**
 * Bun pub/sub topics for local delivery, and the narrow publisher shape the
 * core needs (Bun's Server satisfies it; tests pass a recording object).
 *
 * Invariant: a public chat's message goes to its chat topic and ALL_CHATS_TOPIC,
 * a private chat's to its chat topic only. A connection is on ALL_CHATS_TOPIC or
 * on public chat topics, never both, and on a private chat's topic only when it
 * may read that chat (chat_access.ts): each message reaches it exactly once, and
 * never a private one it may not read.
 * @module
 */

import type { ChatMessage } from "../../common/protocol.ts";
import { liveMessageFrame } from "./client_frames.ts";
import { isPrivateChatId } from "./chat_access.ts";

/** Connections that want every chat (the default, and original clients). */
export const ALL_CHATS_TOPIC = "all";
/** Connections that said hello: chatCreated and presence events. */
export const HELLO_TOPIC = "hello";

export function chatTopic(chatId: number): string {
  return `chat:${chatId}`;
}

/** messageTopics per chat id, so the hot path builds no strings or arrays per message. */
const topicsByChat = new Map<number, readonly string[]>();
/** Past this many chats the cache starts over (a node with more chats builds a few again). */
const TOPIC_CACHE_CHATS = 10_000;

/** True for the topics that carry messages: ALL_CHATS_TOPIC and every chatTopic. */
export function isMessageTopic(topic: string): boolean {
  return topic === ALL_CHATS_TOPIC || topic.startsWith("chat:");
}

/** The topics a chat's live events go to (messages; typing and updates alike). */
export function messageTopics(chatId: number): readonly string[] {
  let topics = topicsByChat.get(chatId);
  if (topics === undefined) {
    topics = Object.freeze(
      isPrivateChatId(chatId) ? [chatTopic(chatId)] : [chatTopic(chatId), ALL_CHATS_TOPIC],
    );
    if (topicsByChat.size >= TOPIC_CACHE_CHATS) topicsByChat.clear();
    topicsByChat.set(chatId, topics);
  }
  return topics;
}

/** Which hello readers of a chat a section 7 frame skips. */
export interface ReaderFilter {
  /** The connection that caused it (it gets its own reply instead). */
  exceptConnection?: number;
  /** Connections of this hello name (a typer does not see itself typing). */
  exceptName?: string;
}

export interface LocalPublisher {
  publish(topic: string, data: string): unknown;
  /**
   * Publishes one message's live frame to messageTopics, and to connections held off
   * pub/sub while they resume (transport/resume_gate.ts) unless they already have it.
   * Without it, the core publishes to messageTopics itself.
   */
  publishMessage?(message: ChatMessage, frame: string): unknown;
  /**
   * Sends a frame to every hello connection on this node that follows chatId and may
   * read it (server/core/read_access.ts), but those the filter skips.
   */
  publishToReaders?(chatId: number, data: string, filter?: ReaderFilter): void;
  /** Connections on a topic (for the delivered counter); 0 when unknown. */
  subscriberCount?(topic: string): number;
}

/**
 * Publishes one message's live frame (`newMessagesForClient`, one message, `source` the
 * publishing node) to messageTopics (a private chat's: its own topic only); returns how
 * many connections were subscribed (for the delivered counter). A publisher that counts
 * subscribers and has none on those topics gets nothing: no frame is encoded for nobody
 * (a node catching up on a million messages has few readers of most of them). Every
 * connection on a message topic, held ones (resume_gate.ts) too, is in its count.
 */
export function publishLiveMessage(
  publisher: LocalPublisher,
  message: ChatMessage,
  sourceNodeId: number,
): number {
  const topics = messageTopics(message.chatId);
  const count = publisher.subscriberCount;
  let delivered = 0;
  if (count) {
    for (const topic of topics) delivered += count.call(publisher, topic);
    if (delivered === 0) return 0;
  }
  const frame = liveMessageFrame(message, sourceNodeId);
  if (publisher.publishMessage) publisher.publishMessage(message, frame);
  else for (const topic of topics) publisher.publish(topic, frame);
  return delivered;
}
