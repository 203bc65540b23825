/**
 * Everything a memory store holds (messages, chats, identity, the update log)
 * and every read and write of it, without transactions: MemoryMessageStore
 * keeps two of these (what transactions work on, what reads outside them see)
 * and replays each commit's writes on the second once it is "durable".
 *
 * Invariant: every write is a deterministic function of the state and its
 * arguments (it copies what it keeps), so replaying the same writes on two
 * equal states leaves them equal; clone() is a deep copy.
 * @module
 */

import { compareCanonical } from "../../common/canonical_order.ts";
import type { MessageRevision } from "../../common/message_revision.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import {
  chatInScope,
  type ChatRecord,
  type ChatScope,
  copyChat,
  type HistoryQuery,
  type NodeIdentity,
  type ReplicatedMessage,
  type SinceQuery,
  type StoredMessage,
  type StoredUpdate,
  type StoreSearchQuery,
  type StoreSearchResult,
  toWireMessage,
  type UpdateRecord,
} from "./message_store.ts";
import { MemoryUpdateLog } from "./memory_update_log.ts";
import { searchMessages } from "./memory_search.ts";

function keyOf(nodeId: number, seq: number): string {
  return `${nodeId}:${seq}`;
}

function isVisible(message: StoredMessage): boolean {
  return !message.held && !message.hidden;
}

/** The client form of a stored message: editedAt while edited and not deleted. */
function clientForm(message: StoredMessage): ChatMessage {
  const wire = toWireMessage(message);
  if (message.edit && !message.deleted) wire.editedAt = message.edit.dateTime;
  return wire;
}

function replicatedForm(message: StoredMessage): ReplicatedMessage {
  const replicated: ReplicatedMessage = clientForm(message);
  if (message.edit) replicated.edit = { ...message.edit };
  return replicated;
}

function copyOf(message: StoredMessage): StoredMessage {
  const copy = { ...message };
  if (message.edit) copy.edit = { ...message.edit };
  return copy;
}

/** The chat filter of a read: one chat, or the reader's scope across chats. */
function inChats(message: ChatMessage, chatId: number | undefined, scope?: ChatScope): boolean {
  if (chatId !== undefined) return message.chatId === chatId;
  return scope === undefined || chatInScope(scope, message.chatId);
}

export class MemoryStoreState extends MemoryUpdateLog {
  #messages = new Map<string, StoredMessage>();
  /** Arrival order, the tie-break of search within one millisecond. */
  #arrival = new Map<string, number>();
  #chats = new Map<number, ChatRecord>();
  #identity: NodeIdentity | null = null;
  #tokenNames = new Set<string>();

  insertMessage(message: StoredMessage): boolean {
    const key = keyOf(message.nodeId, message.seq);
    if (this.#messages.has(key)) return false;
    const stored = copyOf(message);
    if (stored.deleted) stored.text = "";
    else delete stored.deleted;
    delete stored.editedAt;
    this.#messages.set(key, stored);
    this.#arrival.set(key, this.#arrival.size);
    return true;
  }

  setMessageState(nodeId: number, seq: number, state: { held: boolean; hidden: boolean }): void {
    const message = this.#messages.get(keyOf(nodeId, seq));
    if (message) Object.assign(message, state);
  }

  reviseMessage(nodeId: number, seq: number, revision: MessageRevision): void {
    const message = this.#messages.get(keyOf(nodeId, seq));
    if (!message) return;
    message.text = revision.deleted ? "" : revision.text;
    if (revision.edit) message.edit = { ...revision.edit };
    else delete message.edit;
    if (revision.deleted) message.deleted = true;
    else delete message.deleted;
  }

  getMessage(nodeId: number, seq: number): StoredMessage | null {
    const message = this.#messages.get(keyOf(nodeId, seq));
    return message
      ? { ...replicatedForm(message), held: message.held, hidden: message.hidden }
      : null;
  }

  findVisibleByClientMsgId(sender: string, clientMsgId: string): StoredMessage | null {
    return this.findCopies(sender, clientMsgId).find(isVisible) ?? null;
  }

  findCopies(sender: string, clientMsgId: string): StoredMessage[] {
    return [...this.#messages.values()]
      .filter((m) => m.sender === sender && m.clientMsgId === clientMsgId)
      .sort((a, b) => a.nodeId - b.nodeId || a.seq - b.seq)
      .map((m) => this.getMessage(m.nodeId, m.seq)!);
  }

  search(query: StoreSearchQuery): StoreSearchResult {
    const candidateOf = (m: StoredMessage) => ({
      message: clientForm(m),
      arrival: this.#arrival.get(keyOf(m.nodeId, m.seq))!,
    });
    const before = query.before
      ? this.#messages.get(keyOf(query.before.nodeId, query.before.seq))
      : undefined;
    return searchMessages(
      [...this.#messages.values()].filter((m) => isVisible(m) && !m.deleted).map(candidateOf),
      query,
      query.before ? (before ? candidateOf(before) : null) : undefined,
    );
  }

  /** A scan needs no index: nothing ever waits. */
  searchBacklog(): number {
    return 0;
  }

  indexSearchBacklog(_maxRows: number): number {
    return 0;
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
    return matching.slice(Math.max(0, matching.length - query.limit)).map(clientForm);
  }

  readSince(query: SinceQuery): ChatMessage[] {
    const result: ChatMessage[] = [];
    for (const [nodeId, upTo] of query.upTo) {
      const from = query.since.get(nodeId) ?? 0;
      const ofOrigin = [...this.#messages.values()].filter((m) =>
        m.nodeId === nodeId && m.seq > from && m.seq <= upTo && isVisible(m) &&
        inChats(m, query.chatId, query.scope)
      ).sort((a, b) => a.seq - b.seq);
      result.push(...ofOrigin.slice(0, query.limit + 1).map(clientForm));
    }
    return result;
  }

  readAfter(originNodeId: number, afterSeq: number, limit: number): ReplicatedMessage[] {
    return [...this.#messages.values()].filter((m) =>
      m.nodeId === originNodeId && m.seq > afterSeq && !m.held
    ).sort((a, b) => a.seq - b.seq).slice(0, limit).map(replicatedForm);
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

  /** A deep copy. */
  clone(): MemoryStoreState {
    const copy = new MemoryStoreState();
    copy.copyUpdateLogFrom(this);
    for (const [key, message] of this.#messages) copy.#messages.set(key, copyOf(message));
    copy.#arrival = new Map(this.#arrival);
    for (const [chatId, chat] of this.#chats) copy.#chats.set(chatId, copyChat(chat));
    copy.#tokenNames = new Set(this.#tokenNames);
    copy.#identity = this.#identity ? { ...this.#identity } : null;
    return copy;
  }
}

export type { StoredUpdate, UpdateRecord };
