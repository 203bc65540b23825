/**
 * Every chat this node knows, in memory over the store's `chats` table: lookups
 * for replies, the implicit `chat <id>` a first message creates, named chats from
 * createChat, and merging what peers send by the tie-break of chat_rules.ts.
 * Writes to the store happen inside the caller's commit.
 *
 * Two views: the working one (what the next writes decide on) and the served
 * one (list(), get(): what clients and peers are told), which takes a batch's
 * records only once that batch is durable: seal() inside the commit copies what
 * it wrote, publishSealed() after it is durable serves them.
 *
 * Invariants: the working map and the store hold the same records once the
 * surrounding commit succeeded (a failed one rebuilds the directory from the
 * store); nothing is served before the commit that wrote it is durable.
 * @module
 */

import type { Stamp } from "../../common/hybrid_logical_clock.ts";
import type { Chat, ChatMessage } from "../../common/protocol.ts";
import { completeChat, preferChat, type ReplicatedChat } from "./chat_rules.ts";
import type { ChatRecord, MessageStore } from "../store/message_store.ts";

/** Node-allocated chat ids: 100,000,000..999,999,999 (small ids stay free for people). */
const CREATED_CHAT_ID_MIN = 100_000_000;
const CREATED_CHAT_ID_SPAN = 900_000_000;

export class ChatDirectory {
  #store: MessageStore;
  #chats = new Map<number, ChatRecord>();
  /** What clients and peers are told: records of durable commits only. */
  #served = new Map<number, ChatRecord>();
  /** lastMessageAt moves of the commit in progress: written once per chat by flushTouched(). */
  #touched = new Map<number, string>();
  /** Chats the commit in progress wrote. */
  #written = new Set<number>();
  /** Copies of what the commit being made durable wrote. */
  #sealed: ChatRecord[] = [];

  constructor(store: MessageStore) {
    this.#store = store;
    for (const chat of store.listChats()) {
      this.#chats.set(chat.chatId, chat);
      this.#served.set(chat.chatId, { ...chat });
    }
  }

  /** Copies of every chat, by chat id. */
  list(): ChatRecord[] {
    return [...this.#served.values()].sort((a, b) => a.chatId - b.chatId).map((c) => ({ ...c }));
  }

  get(chatId: number): ChatRecord | undefined {
    const chat = this.#served.get(chatId);
    return chat ? { ...chat } : undefined;
  }

  /** Inside a commit, after its writes: what it wrote is served once publishSealed() is called. */
  seal(): void {
    this.#sealed = [...this.#written].map((chatId) => ({ ...this.#chats.get(chatId)! }));
    this.#written.clear();
  }

  /** The sealed commit is durable: its records are served. */
  publishSealed(): void {
    for (const chat of this.#sealed) this.#served.set(chat.chatId, chat);
    this.#sealed = [];
  }

  /** A new named chat with an unused id; the caller stores it with store(). */
  create(name: string, stamp: Stamp, nodeId: number): ChatRecord {
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
    this.#chats.set(chatId, chat);
    return chat;
  }

  /** Inside a commit: writes chat records. */
  store(chats: ChatRecord[]): void {
    for (const chat of chats) {
      this.#store.putChat(chat);
      this.#written.add(chat.chatId);
    }
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
      this.#written.add(chat.chatId);
    }
    const touched = this.#touched.get(message.chatId);
    if (touched === undefined || message.dateTime > touched) {
      this.#touched.set(message.chatId, message.dateTime);
    }
    if (chat.lastMessageAt === undefined || message.dateTime > chat.lastMessageAt) {
      chat.lastMessageAt = message.dateTime;
      this.#written.add(chat.chatId);
    }
    return created ? { ...created } : undefined;
  }

  /** Inside a commit, last: one touchChat per chat instead of one per message. */
  flushTouched(): void {
    for (const [chatId, dateTime] of this.#touched) this.#store.touchChat(chatId, dateTime);
    this.#touched.clear();
  }

  /** Peers' chats: returns the records that are new or renamed here (to store and announce). */
  merge(received: Array<ReplicatedChat | Chat>): ChatRecord[] {
    const changed: ChatRecord[] = [];
    for (const item of received) {
      const incoming = completeChat(item);
      if (!incoming) continue;
      const existing = this.#chats.get(incoming.chatId);
      const chosen = preferChat(existing, incoming);
      if (chosen === existing) continue;
      const record: ChatRecord = { ...chosen, lastMessageAt: existing?.lastMessageAt };
      if (record.lastMessageAt === undefined) delete record.lastMessageAt;
      this.#chats.set(record.chatId, record);
      changed.push(record);
    }
    return changed;
  }
}
