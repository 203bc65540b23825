/**
 * The questions a client asks a node that have one answer each: a page of a
 * chat's history, the chat list, who is here, a new chat. Each is a `Query`
 * (pending_requests.ts): the frame to send and how to read its reply, typed by
 * the protocol's unions on both sides.
 * @module
 */

import { sortCanonical } from "../common/canonical_order.ts";
import {
  type Chat,
  type ChatMessage,
  ClientFrameType,
  type PresenceEntry,
  type SyncRequestPayload,
} from "../common/protocol.ts";
import type { Query } from "./pending_requests.ts";

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

export function chatListQuery(): Query<Chat[]> {
  return {
    purpose: "chats",
    action: "list chats",
    frame: (ref) => ({ type: ClientFrameType.listChats, payload: {}, ref }),
    read: (reply) => reply.type === "chatList" ? reply.payload : undefined,
  };
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
