/**
 * Which topics one client connection is on (delivery_topics.ts), given what it
 * asked for (`subscribe`: every chat, or a list) and what its identity may read
 * (chat_access.ts): every chat is ALL_CHATS_TOPIC plus the topic of each private
 * chat it may read; a list is the topics of the public chats in it and of the
 * private ones it may read. A private chat that becomes readable later (its
 * record arrives, members are added) is followed from then on.
 *
 * The topics it is on are the socket's message topics (isMessageTopic): kept
 * once, by the socket, not twice (an idle connection's memory counts).
 *
 * Invariant: the socket is on a private chat's topic only while canRead allows
 * it, and on ALL_CHATS_TOPIC or on public chat topics, never both.
 * @module
 */

import { canRead, type Identity, isPrivateChatId } from "../core/chat_access.ts";
import { ALL_CHATS_TOPIC, chatTopic, isMessageTopic } from "../core/delivery_topics.ts";
import type { ChatRecord } from "../store/message_store.ts";

/** The part of the socket subscriptions change. */
export interface TopicSocket {
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  isSubscribed(topic: string): boolean;
  /** Every topic it is on, as a copy. */
  subscribedTopics(): string[];
}

/** The part of the node subscriptions read. */
export interface ChatLookup {
  chat(chatId: number): ChatRecord | undefined;
  access: { scopeOf(reader: Identity): { except: readonly number[] } };
}

export class ChatSubscriptions {
  #socket: TopicSocket;
  #node: ChatLookup;
  #identity: Identity;
  /** What the client asked for: null is every chat. */
  #requested: number[] | null = null;
  /** #requested as a set, for follows() (asked once per connection per event); null with it. */
  #requestedSet: Set<number> | null = null;

  constructor(socket: TopicSocket, node: ChatLookup, identity: Identity) {
    this.#socket = socket;
    this.#node = node;
    this.#identity = identity;
  }

  /** The default: every chat this connection may read. */
  open(): void {
    this.set(null);
  }

  /** Follows chatIds (null: all); returns the private chats named that it may not read. */
  set(chatIds: number[] | null): number[] {
    this.#requested = chatIds;
    this.#requestedSet = chatIds && new Set(chatIds);
    const wanted = new Set<string>();
    const refused: number[] = [];
    if (chatIds === null) {
      wanted.add(ALL_CHATS_TOPIC);
      for (const chatId of this.#node.access.scopeOf(this.#identity).except) {
        if (this.#mayRead(chatId)) wanted.add(chatTopic(chatId));
      }
    } else {
      for (const chatId of chatIds) {
        if (this.#mayRead(chatId)) wanted.add(chatTopic(chatId));
        else refused.push(chatId);
      }
    }
    for (const topic of this.#socket.subscribedTopics()) {
      if (isMessageTopic(topic) && !wanted.has(topic)) this.#socket.unsubscribe(topic);
    }
    for (const topic of wanted) this.#socket.subscribe(topic);
    return refused;
  }

  /** The chats it follows, for presence: null for every chat, else those it may read. */
  followed(): number[] | null {
    if (this.#requested === null) return null;
    return this.#requested.filter((chatId) => this.#mayRead(chatId));
  }

  /**
   * True when the connection follows chatId (for the section 7 frames ClientHub sends
   * past pub/sub): a private chat only while on its topic (so only while it may read it),
   * a public one when it follows every chat or named it.
   */
  follows(chatId: number): boolean {
    if (isPrivateChatId(chatId)) return this.#socket.isSubscribed(chatTopic(chatId));
    return this.#requestedSet === null || this.#requestedSet.has(chatId);
  }

  /** A chat record is new or changed: follow it when it is now readable and wanted. */
  chatChanged(chat: ChatRecord): boolean {
    if (!isPrivateChatId(chat.chatId) || !canRead(this.#identity, chat)) return false;
    const wanted = this.#requestedSet === null || this.#requestedSet.has(chat.chatId);
    const topic = chatTopic(chat.chatId);
    if (!wanted || this.#socket.isSubscribed(topic)) return false;
    this.#socket.subscribe(topic);
    return true;
  }

  #mayRead(chatId: number): boolean {
    return canRead(this.#identity, this.#node.chat(chatId) ?? { chatId });
  }
}
