/**
 * Every chat this node knows, in memory over the store's `chats` table: lookups
 * for replies, the implicit `chat <id>` a first message creates, named chats from
 * createChat (with their creator), renames, and merging what peers send by the
 * rules of chat_rules.ts (the earliest creation, the latest rename).
 * Writes to the store happen inside the caller's commit.
 *
 * Invariant: the memory map and the store hold the same records once the
 * surrounding commit succeeded (a failed commit stops the node: fail-stop).
 * @module
 */

import type { Stamp } from "../../common/hybrid_logical_clock.ts";
import type { Chat, ChatMessage } from "../../common/protocol.ts";
import { completeChat, type ReplicatedChat } from "./chat_rules.ts";
import { mergeChat } from "./chat_rename.ts";
import type { ChatRecord, MessageStore } from "../store/message_store.ts";

/** Node-allocated chat ids: 100,000,000..999,999,999 (small ids stay free for people). */
const CREATED_CHAT_ID_MIN = 100_000_000;
const CREATED_CHAT_ID_SPAN = 900_000_000;

export class ChatDirectory {
  #store: MessageStore;
  #chats = new Map<number, ChatRecord>();
  /** lastMessageAt moves of the commit in progress: written once per chat by flushTouched(). */
  #touched = new Map<number, string>();

  constructor(store: MessageStore) {
    this.#store = store;
    for (const chat of store.listChats()) this.#chats.set(chat.chatId, chat);
  }

  /** Copies of every chat, by chat id. */
  list(): ChatRecord[] {
    return [...this.#chats.values()].sort((a, b) => a.chatId - b.chatId).map((c) => ({ ...c }));
  }

  get(chatId: number): ChatRecord | undefined {
    const chat = this.#chats.get(chatId);
    return chat ? { ...chat } : undefined;
  }

  /**
   * A new named chat with an unused id, `creator` (a hello name) the one who may rename
   * it; the caller stores it with store().
   */
  create(name: string, stamp: Stamp, nodeId: number, creator?: string): ChatRecord {
    let chatId: number;
    do {
      chatId = CREATED_CHAT_ID_MIN + Math.floor(Math.random() * CREATED_CHAT_ID_SPAN);
    } while (this.#chats.has(chatId));
    const chat: ChatRecord = {
      chatId,
      name,
      named: true,
      createdAt: stamp.dateTime,
      createdLc: stamp.lc,
      createdBy: nodeId,
    };
    if (creator !== undefined) chat.creator = creator;
    this.#chats.set(chatId, chat);
    return chat;
  }

  /** A chat's new name, stamped by the hybrid clock; the caller stores it with store(). */
  rename(chatId: number, name: string, stamp: Stamp, nodeId: number): ChatRecord | undefined {
    const chat = this.#chats.get(chatId);
    if (!chat) return undefined;
    const renamed = { ...chat, name, renamed: { at: stamp.dateTime, lc: stamp.lc, by: nodeId } };
    this.#chats.set(chatId, renamed);
    return { ...renamed };
  }

  /** Inside a commit: writes chat records. */
  store(chats: ChatRecord[]): void {
    for (const chat of chats) this.#store.putChat(chat);
  }

  /**
   * Inside a commit, for a message becoming visible: creates the implicit `chat <id>`
   * when the chat is unknown (returned, to announce) and moves lastMessageAt.
   */
  noteVisibleMessage(message: ChatMessage): ChatRecord | undefined {
    let created: ChatRecord | undefined;
    let chat = this.#chats.get(message.chatId);
    if (!chat) {
      chat = created = {
        chatId: message.chatId,
        name: `chat ${message.chatId}`,
        named: false,
        createdAt: message.dateTime,
        createdLc: message.lc,
        createdBy: message.nodeId,
      };
      this.#store.putChat(chat);
      this.#chats.set(chat.chatId, chat);
    }
    const touched = this.#touched.get(message.chatId);
    if (touched === undefined || message.dateTime > touched) {
      this.#touched.set(message.chatId, message.dateTime);
    }
    if (chat.lastMessageAt === undefined || message.dateTime > chat.lastMessageAt) {
      chat.lastMessageAt = message.dateTime;
    }
    return created ? { ...created } : undefined;
  }

  /** Inside a commit, last: one touchChat per chat instead of one per message. */
  flushTouched(): void {
    for (const [chatId, dateTime] of this.#touched) this.#store.touchChat(chatId, dateTime);
    this.#touched.clear();
  }

  /**
   * Peers' chats: returns the records that are new or changed here (to store), with the
   * record each replaced (none: a new chat), to announce what people see change.
   */
  merge(
    received: Array<ReplicatedChat | Chat>,
  ): Array<{ chat: ChatRecord; before?: ChatRecord }> {
    const changed: Array<{ chat: ChatRecord; before?: ChatRecord }> = [];
    for (const item of received) {
      const incoming = completeChat(item);
      if (!incoming) continue;
      const existing = this.#chats.get(incoming.chatId);
      const chosen = mergeChat(existing, incoming);
      if (chosen === existing) continue;
      const record: ChatRecord = { ...chosen, lastMessageAt: existing?.lastMessageAt };
      if (record.lastMessageAt === undefined) delete record.lastMessageAt;
      this.#chats.set(record.chatId, record);
      changed.push({ chat: record, before: existing && { ...existing } });
    }
    return changed;
  }
}
