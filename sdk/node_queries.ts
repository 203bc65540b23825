/**
 * The questions a client asks a node that have one answer each: a page of a
 * chat's history, the chat list, who is here, a new chat, and (section 7) an
 * edit, a delete, a page of search results. Each is a `Query`
 * (pending_requests.ts): the frame to send and how to read its reply, typed by
 * the protocol's unions on both sides.
 * @module
 */

import { sortCanonical } from "../common/canonical_order.ts";
import {
  type Chat,
  type ChatMessage,
  ClientFrameType,
  type MessageUpdatePayload,
  type PresenceEntry,
  type SearchRequestPayload,
  type SyncRequestPayload,
} from "../common/protocol.ts";
import type { Query } from "./pending_requests.ts";
import { CHAT_LIST_PAGE_MAX } from "../common/client_frame_validation.ts";

/** A page of a chat's history, canonical order; `more`: older ones exist. */
export interface HistoryPage {
  messages: ChatMessage[];
  more: boolean;
}

export interface HistoryOptions {
  /** The page before this messageId; the latest page without it. */
  before?: string;
  /** @default 50 */
  limit?: number;
}

export function historyQuery(chatId: number, options: HistoryOptions = {}): Query<HistoryPage> {
  const payload: SyncRequestPayload = { chatId, limit: options.limit ?? 50 };
  if (options.before !== undefined) payload.before = options.before;
  return {
    purpose: "page",
    action: "read history",
    frame: (ref) => ({ type: ClientFrameType.clientSyncRequest, payload, ref }),
    read: (reply) =>
      reply.type === "clientSyncReply"
        ? { messages: sortCanonical(reply.payload), more: reply.more === true }
        : undefined,
  };
}

/** A page of the chat list, by chat id; `more`: chats with higher ids follow. */
export interface ChatListPage {
  chats: Chat[];
  more: boolean;
}

/**
 * The page of chats after chat id `after` (the first page without it), each with its
 * creator when the node knows it (the extension flag). Asked with a `limit` so that
 * nodes page the list (docs/SERVER.md; `{}` would be every chat at once); older nodes
 * send it whole, without `more`.
 */
export function chatListQuery(after?: number): Query<ChatListPage> {
  const page = { creators: true, limit: CHAT_LIST_PAGE_MAX };
  const payload = after === undefined ? page : { ...page, after };
  return {
    purpose: "chats",
    action: "list chats",
    frame: (ref) => ({ type: ClientFrameType.listChats, payload, ref }),
    read: (reply) =>
      reply.type === "chatList" ? { chats: reply.payload, more: reply.more === true } : undefined,
  };
}

/**
 * Every chat, page after page through `ask` (each page is also a `chatList` event for
 * the session's listeners).
 */
export async function allChats(ask: (query: Query<ChatListPage>) => Promise<ChatListPage>) {
  const chats: Chat[] = [];
  let page = await ask(chatListQuery());
  chats.push(...page.chats);
  while (page.more && page.chats.length > 0) {
    page = await ask(chatListQuery(page.chats[page.chats.length - 1].chatId));
    chats.push(...page.chats);
  }
  return chats;
}

export function presenceQuery(chatId?: number): Query<PresenceEntry[]> {
  return {
    purpose: "presence",
    action: "ask who is here",
    frame: (ref) => ({
      type: ClientFrameType.presence,
      payload: chatId === undefined ? {} : { chatId },
      ref,
    }),
    read: (reply) => reply.type === "presenceList" ? reply.payload : undefined,
  };
}

export function createChatQuery(name: string): Query<Chat> {
  return {
    purpose: "create",
    action: "create the chat",
    frame: (ref) => ({ type: ClientFrameType.createChat, payload: { name }, ref }),
    read: (reply) => reply.type === "chatCreated" ? reply.payload : undefined,
  };
}

/** Extension: the creator renames a chat; the answer is the chat with its new name. */
export function renameChatQuery(chatId: number, name: string): Query<Chat> {
  return {
    purpose: "rename",
    action: "rename the chat",
    frame: (ref) => ({ type: ClientFrameType.renameChat, payload: { chatId, name }, ref }),
    read: (reply) => reply.type === "chatRenamed" ? reply.payload : undefined,
  };
}

/** Section 7: the sender changes a message's text; the answer is the message as it now is. */
export function editMessageQuery(messageId: string, text: string): Query<MessageUpdatePayload> {
  return {
    purpose: "edit",
    action: "edit the message",
    frame: (ref) => ({ type: ClientFrameType.editMessage, payload: { messageId, text }, ref }),
    read: (reply) => reply.type === "messageUpdated" ? reply.payload : undefined,
  };
}

/** Section 7: the sender deletes a message; the answer is its tombstone (`deleted: true`). */
export function deleteMessageQuery(messageId: string): Query<MessageUpdatePayload> {
  return {
    purpose: "delete",
    action: "delete the message",
    frame: (ref) => ({ type: ClientFrameType.deleteMessage, payload: { messageId }, ref }),
    read: (reply) => reply.type === "messageUpdated" ? reply.payload : undefined,
  };
}

/** A page of search results, newest first; `before` asks for the next (older) page. */
export interface SearchPage {
  messages: ChatMessage[];
  more: boolean;
  before?: string;
}

export interface SearchOptions {
  /** Only this chat; every chat the client can read without it. */
  chatId?: number;
  /** 1..100. @default 20 (the node's) */
  limit?: number;
  /** The `before` of the previous page. */
  before?: string;
}

/** Section 7: whole-word and prefix matches, any case and accent. */
export function searchQuery(q: string, options: SearchOptions = {}): Query<SearchPage> {
  const payload: SearchRequestPayload = { q };
  if (options.chatId !== undefined) payload.chatId = options.chatId;
  if (options.limit !== undefined) payload.limit = options.limit;
  if (options.before !== undefined) payload.before = options.before;
  return {
    purpose: "search",
    action: "search",
    frame: (ref) => ({ type: ClientFrameType.search, payload, ref }),
    read(reply) {
      if (reply.type !== "searchResults") return undefined;
      const page: SearchPage = { messages: reply.payload, more: reply.more === true };
      if (reply.before !== undefined) page.before = reply.before;
      return page;
    },
  };
}
