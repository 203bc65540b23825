/**
 * Which topics one client connection is on (delivery_topics.ts), given what it
 * asked for (`subscribe`: every chat, or a list) and what its identity may read
 * (chat_access.ts): every chat is ALL_CHATS_TOPIC plus the topic of each private
 * chat it may read; a list is the topics of the public chats in it and of the
 * private ones it may read. A private chat that becomes readable later (its
 * record arrives, members are added) is followed from then on.
 *
 * Memory: a node holds tens of thousands of idle connections, so these are
 * functions, not an object per connection: the topics it is on are the
 * socket's message topics (isMessageTopic), kept once, by the socket; what it
 * asked for is its session's one field, null for every chat (the default).
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

/** A `subscribe` list, with its set for follows(); null (not this) is every chat. */
export interface RequestedChats {
  readonly chatIds: readonly number[];
  readonly chatIdSet: ReadonlySet<number>;
}

/**
 * Puts the socket on the topics of chatIds (null: every chat) that identity may read;
 * returns what to keep as its request, and the private chats named that it may not read.
 */
export function followChats(
  socket: TopicSocket,
  node: ChatLookup,
  identity: Identity,
  chatIds: number[] | null,
): { requested: RequestedChats | null; refused: number[] } {
  const wanted = new Set<string>();
  const refused: number[] = [];
  if (chatIds === null) {
    wanted.add(ALL_CHATS_TOPIC);
    for (const chatId of node.access.scopeOf(identity).except) {
      if (mayRead(node, identity, chatId)) wanted.add(chatTopic(chatId));
    }
  } else {
    for (const chatId of chatIds) {
      if (mayRead(node, identity, chatId)) wanted.add(chatTopic(chatId));
      else refused.push(chatId);
    }
  }
  for (const topic of socket.subscribedTopics()) {
    if (isMessageTopic(topic) && !wanted.has(topic)) socket.unsubscribe(topic);
  }
  for (const topic of wanted) socket.subscribe(topic);
  const requested = chatIds && { chatIds, chatIdSet: new Set(chatIds) };
  return { requested, refused };
}

/** The chats it follows, for presence: null for every chat, else those it may read. */
export function followedChats(
  node: ChatLookup,
  identity: Identity,
  requested: RequestedChats | null,
): number[] | null {
  if (requested === null) return null;
  return requested.chatIds.filter((chatId) => mayRead(node, identity, chatId));
}

/**
 * True when the connection follows chatId (for the section 7 frames ClientHub sends
 * past pub/sub): a private chat only while on its topic (so only while it may read it),
 * a public one when it follows every chat or named it.
 */
export function followsChat(
  socket: TopicSocket,
  requested: RequestedChats | null,
  chatId: number,
): boolean {
  if (isPrivateChatId(chatId)) return socket.isSubscribed(chatTopic(chatId));
  return requested === null || requested.chatIdSet.has(chatId);
}

/** A chat record is new or changed: the socket follows it when it is now readable and wanted. */
export function followIfReadable(
  socket: TopicSocket,
  identity: Identity,
  requested: RequestedChats | null,
  chat: ChatRecord,
): boolean {
  if (!isPrivateChatId(chat.chatId) || !canRead(identity, chat)) return false;
  const wanted = requested === null || requested.chatIdSet.has(chat.chatId);
  const topic = chatTopic(chat.chatId);
  if (!wanted || socket.isSubscribed(topic)) return false;
  socket.subscribe(topic);
  return true;
}

/** The `forbidden` message of a `subscribe` that named private chats it may not read. */
export function notFollowed(refused: readonly number[]): string {
  const list = refused.slice(0, 10).join(", ") + (refused.length > 10 ? ", ..." : "");
  return `not followed: private chats, members only: ${list}`;
}

function mayRead(node: ChatLookup, identity: Identity, chatId: number): boolean {
  return canRead(identity, node.chat(chatId) ?? { chatId });
}
