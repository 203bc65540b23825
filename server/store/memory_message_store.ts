/**
 * MessageStore in memory: the reference implementation the conformance suite
 * pins down, and a store for tests that need no disk. Nothing survives the
 * process, so a node never uses it in production.
 *
 * Invariant: same observable behaviour as SqliteMessageStore (one suite runs
 * against both).
 * @module
 */

import { compareCanonical } from "../../common/canonical_order.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import {
  chatInScope,
  type ChatRecord,
  type ChatScope,
  type HistoryQuery,
  type MessageStore,
  type NodeIdentity,
  type SinceQuery,
  type StoredMessage,
  toWireMessage,
} from "./message_store.ts";

function keyOf(nodeId: number, seq: number): string {
  return `${nodeId}:${seq}`;
}

function isVisible(message: StoredMessage): boolean {
  return !message.held && !message.hidden;
}

/** The chat filter of a read: one chat, or the reader's scope across chats. */
function inChats(message: ChatMessage, chatId: number | undefined, scope?: ChatScope): boolean {
  if (chatId !== undefined) return message.chatId === chatId;
  return scope === undefined || chatInScope(scope, message.chatId);
}

function copyChat(chat: ChatRecord): ChatRecord {
  return chat.members ? { ...chat, members: [...chat.members] } : { ...chat };
}

export class MemoryMessageStore implements MessageStore {
  #messages = new Map<string, StoredMessage>();
  #chats = new Map<number, ChatRecord>();
  #identity: NodeIdentity | null = null;
  #tokenNames = new Set<string>();

  transaction<T>(fn: () => T): T {
    return fn();
  }

  insertMessage(message: StoredMessage): boolean {
    const key = keyOf(message.nodeId, message.seq);
    if (this.#messages.has(key)) return false;
    this.#messages.set(key, { ...message });
    return true;
  }

  setMessageState(nodeId: number, seq: number, state: { held: boolean; hidden: boolean }): void {
    const message = this.#messages.get(keyOf(nodeId, seq));
    if (message) Object.assign(message, state);
  }

  getMessage(nodeId: number, seq: number): StoredMessage | null {
    const message = this.#messages.get(keyOf(nodeId, seq));
    return message ? { ...message } : null;
  }

  findVisibleByClientMsgId(sender: string, clientMsgId: string): StoredMessage | null {
    for (const message of this.#messages.values()) {
      if (
        isVisible(message) && message.sender === sender && message.clientMsgId === clientMsgId
      ) return { ...message };
    }
    return null;
  }

  contiguousMarks(): Map<number, number> {
    const marks = new Map<number, number>();
    for (const message of this.#messages.values()) {
      if (message.held) continue;
      if (message.seq > (marks.get(message.nodeId) ?? 0)) marks.set(message.nodeId, message.seq);
    }
    return marks;
  }

  heldKeys(): Array<{ nodeId: number; seq: number }> {
    return [...this.#messages.values()].filter((m) => m.held).map((m) => ({
      nodeId: m.nodeId,
      seq: m.seq,
    }));
  }

  lastStamp(): { dateTime: string; lc: number } | null {
    let last: StoredMessage | null = null;
    for (const message of this.#messages.values()) {
      if (
        !last || message.dateTime > last.dateTime ||
        (message.dateTime === last.dateTime && message.lc > last.lc)
      ) last = message;
    }
    return last ? { dateTime: last.dateTime, lc: last.lc } : null;
  }

  countMessages(): number {
    return this.#messages.size;
  }

  history(query: HistoryQuery): ChatMessage[] {
    const matching = [...this.#messages.values()].filter((m) =>
      isVisible(m) && inChats(m, query.chatId, query.scope) &&
      (query.before === undefined || compareCanonical(m, query.before) < 0)
    ).sort(compareCanonical);
    return matching.slice(Math.max(0, matching.length - query.limit)).map(toWireMessage);
  }

  readSince(query: SinceQuery): ChatMessage[] {
    const result: ChatMessage[] = [];
    for (const [nodeId, upTo] of query.upTo) {
      const from = query.since.get(nodeId) ?? 0;
      const ofOrigin = [...this.#messages.values()].filter((m) =>
        m.nodeId === nodeId && m.seq > from && m.seq <= upTo && isVisible(m) &&
        inChats(m, query.chatId, query.scope)
      ).sort((a, b) => a.seq - b.seq);
      result.push(...ofOrigin.slice(0, query.limit + 1).map(toWireMessage));
    }
    return result;
  }

  readAfter(originNodeId: number, afterSeq: number, limit: number): ChatMessage[] {
    return [...this.#messages.values()].filter((m) =>
      m.nodeId === originNodeId && m.seq > afterSeq && !m.held
    ).sort((a, b) => a.seq - b.seq).slice(0, limit).map(toWireMessage);
  }

  putChat(chat: ChatRecord): void {
    this.#chats.set(chat.chatId, copyChat(chat));
  }

  getChat(chatId: number): ChatRecord | null {
    const chat = this.#chats.get(chatId);
    return chat ? copyChat(chat) : null;
  }

  touchChat(chatId: number, dateTime: string): void {
    const chat = this.#chats.get(chatId);
    if (chat && (chat.lastMessageAt === undefined || dateTime > chat.lastMessageAt)) {
      chat.lastMessageAt = dateTime;
    }
  }

  listChats(): ChatRecord[] {
    return [...this.#chats.values()].sort((a, b) => a.chatId - b.chatId).map(copyChat);
  }

  listTokenNames(): string[] {
    return [...this.#tokenNames];
  }

  putTokenName(name: string): void {
    this.#tokenNames.add(name);
  }

  loadIdentity(): NodeIdentity | null {
    return this.#identity ? { ...this.#identity } : null;
  }

  saveIdentity(identity: NodeIdentity): void {
    this.#identity = { ...identity };
  }

  close(): void {}
}
