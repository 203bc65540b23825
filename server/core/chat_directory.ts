/**
 * Every chat this node knows, in memory over the store's `chats` table: lookups
 * for replies, the implicit `chat <id>` a first message creates, named chats from
 * createChat (with their creator; private ones in the private id range, with
 * members), renames, merging what peers send by the rules of chat_rules.ts (the
 * earliest creation, the latest rename, members by union), and which private
 * chats a name is a member of.
 * Writes to the store happen inside the caller's commit.
 *
 * Two views: the working one (what the next writes decide on) and the served
 * one (list(), get(), memberOf(): what clients, peers and access checks are
 * told), which takes a batch's records only once that batch is durable: seal()
 * inside the commit copies what it wrote, publishSealed() after it is durable
 * serves them.
 *
 * Invariants: the working map and the store hold the same records once the
 * surrounding commit succeeded (a failed one reloads both views from the store);
 * nothing is served before the commit that wrote it is durable; memberOf(name)
 * lists exactly the served private chats whose members hold name.
 * @module
 */

import type { Stamp } from "../../common/hybrid_logical_clock.ts";
import type { Chat, ChatMessage } from "../../common/protocol.ts";
import { completeChat, mergeMembers, type ReplicatedChat } from "./chat_rules.ts";
import { mergeChat } from "./chat_rename.ts";
import { isPrivateChatId, PRIVATE_CHAT_ID_MAX, PRIVATE_CHAT_ID_MIN } from "./chat_access.ts";
import { type ChatRecord, copyChat, type MessageStore } from "../store/message_store.ts";

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
  /** Served private chats by member name. */
  #byMember = new Map<string, Set<number>>();
  /** Chats the commit in progress wrote. */
  #written = new Set<number>();
  /** Copies of what the commit being made durable wrote. */
  #sealed: ChatRecord[] = [];
  /** Every chat id in order, for pages served (rebuilt when chats were added). */
  #sortedIds: number[] | undefined;

  constructor(store: MessageStore) {
    this.#store = store;
    this.reload();
  }

  /** Forgets what memory holds and reads the store again (after a failed commit). */
  reload(): void {
    this.#chats.clear();
    this.#served.clear();
    this.#touched.clear();
    this.#byMember.clear();
    this.#written.clear();
    this.#sortedIds = undefined;
    this.#sealed = [];
    for (const chat of this.#store.listChats()) {
      this.#chats.set(chat.chatId, chat);
      this.#serve(copy(chat));
    }
  }

  /** Copies of every chat, by chat id. */
  list(): ChatRecord[] {
    return [...this.#served.values()].sort((a, b) => a.chatId - b.chatId).map(copy);
  }

  /**
   * Copies of at most `limit` served chats with an id above `afterChatId`, by chat id;
   * `more` when cut.
   */
  page(afterChatId: number, limit: number): { chats: ChatRecord[]; more: boolean } {
    const ids = this.#idsInOrder();
    let low = 0;
    let high = ids.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (ids[middle] <= afterChatId) low = middle + 1;
      else high = middle;
    }
    const end = Math.min(ids.length, low + limit);
    const chats: ChatRecord[] = [];
    for (let i = low; i < end; i++) chats.push(copy(this.#served.get(ids[i])!));
    return { chats, more: end < ids.length };
  }

  /** Chat ids in order, sorted again only after chats were added (they are never removed). */
  #idsInOrder(): number[] {
    if (this.#sortedIds?.length !== this.#served.size) {
      this.#sortedIds = [...this.#served.keys()].sort((a, b) => a - b);
    }
    return this.#sortedIds;
  }

  get(chatId: number): ChatRecord | undefined {
    const chat = this.#served.get(chatId);
    return chat ? copy(chat) : undefined;
  }

  /** The served private chats that list name among their members. */
  memberOf(name: string): number[] {
    return [...this.#byMember.get(name) ?? []];
  }

  /** Inside a commit, after its writes: what it wrote is served once publishSealed() is called. */
  seal(): void {
    this.#sealed = [...this.#written].map((chatId) => copy(this.#chats.get(chatId)!));
    this.#written.clear();
  }

  /** The sealed commit is durable: its records are served. */
  publishSealed(): void {
    for (const chat of this.#sealed) this.#serve(chat);
    this.#sealed = [];
  }

  /**
   * A new named chat with an unused id, `creator` (a hello name) the one who may rename
   * it; with members, a private one (id in the private range). The caller stores it with
   * store().
   */
  create(
    name: string,
    stamp: Stamp,
    nodeId: number,
    options: { creator?: string; members?: readonly string[] } = {},
  ): ChatRecord {
    const { creator, members } = options;
    const [min, span] = members === undefined
      ? [CREATED_CHAT_ID_MIN, CREATED_CHAT_ID_SPAN]
      : [PRIVATE_CHAT_ID_MIN, PRIVATE_CHAT_ID_MAX - PRIVATE_CHAT_ID_MIN + 1];
    let chatId: number;
    do {
      chatId = min + Math.floor(Math.random() * span);
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
    if (members !== undefined) chat.members = mergeMembers([], members);
    this.#set(chat);
    return copy(chat);
  }

  /** A chat's new name, stamped by the hybrid clock; the caller stores it with store(). */
  rename(chatId: number, name: string, stamp: Stamp, nodeId: number): ChatRecord | undefined {
    const chat = this.#chats.get(chatId);
    if (!chat) return undefined;
    const renamed = { ...chat, name, renamed: { at: stamp.dateTime, lc: stamp.lc, by: nodeId } };
    this.#set(renamed);
    return copy(renamed);
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
      if (isPrivateChatId(chat.chatId)) chat.members = [];
      this.#store.putChat(chat);
      this.#set(chat);
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
    return created ? copy(created) : undefined;
  }

  /** Inside a commit, last: one touchChat per chat instead of one per message. */
  flushTouched(): void {
    for (const [chatId, dateTime] of this.#touched) this.#store.touchChat(chatId, dateTime);
    this.#touched.clear();
  }

  /**
   * Peers' chats: returns the records that are new or changed here (to store), with the
   * record each replaced (none: a new chat), to announce what people see change: a name,
   * a private chat's new members.
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
      const members = incoming.members === undefined
        ? undefined
        : mergeMembers(existing?.members ?? [], incoming.members);
      const gainedMembers = members !== undefined &&
        members.length !== (existing?.members?.length ?? 0);
      if (chosen === existing && !gainedMembers) continue;
      const record: ChatRecord = { ...chosen, lastMessageAt: existing?.lastMessageAt };
      if (record.lastMessageAt === undefined) delete record.lastMessageAt;
      if (members !== undefined) record.members = members;
      else if (existing?.members !== undefined) record.members = existing.members;
      this.#set(record);
      changed.push({ chat: copy(record), before: existing && copy(existing) });
    }
    return changed;
  }

  #set(chat: ChatRecord): void {
    this.#chats.set(chat.chatId, chat);
  }

  #serve(chat: ChatRecord): void {
    this.#served.set(chat.chatId, chat);
    for (const name of chat.members ?? []) {
      let chats = this.#byMember.get(name);
      if (!chats) this.#byMember.set(name, chats = new Set());
      chats.add(chat.chatId);
    }
  }
}

/**
 * A chat as clients see it: a private one says so and lists its members; with `creators`
 * (the listChats extension), a named chat's creator too.
 */
export function clientChat(chat: ChatRecord, options: { creators?: boolean } = {}): Chat {
  const view: Chat = { chatId: chat.chatId, name: chat.name };
  if (chat.lastMessageAt !== undefined) view.lastMessageAt = chat.lastMessageAt;
  if (options.creators === true && chat.creator !== undefined) view.creator = chat.creator;
  if (isPrivateChatId(chat.chatId)) {
    view.private = true;
    view.members = [...chat.members ?? []];
  }
  return view;
}

const copy = copyChat;
