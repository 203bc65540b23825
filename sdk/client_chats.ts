/**
 * What a DSatterClient knows about chats: each chat's name (from `listChats`,
 * `chatCreated`, or the first message that names it), each chat's timeline
 * (messages in canonical order plus this client's own pending sends), and who
 * is online.
 *
 * Invariant: a chat named by a message alone is called `chat <id>` (as the
 * nodes call it) until a node says its name; a name from a node always wins.
 * @module
 */

import type { Chat } from "../common/protocol.ts";
import { type ChatTimeline, createChatTimeline } from "./chat_timeline.ts";
import { createPresenceRoster, type PresenceRoster } from "./presence_roster.ts";

export class ClientChats {
  readonly roster: PresenceRoster = createPresenceRoster();
  #chats = new Map<number, Chat>();
  #timelines = new Map<number, ChatTimeline>();

  /** The chat's timeline (an empty one for a chat not seen yet). */
  timeline(chatId: number): ChatTimeline {
    let timeline = this.#timelines.get(chatId);
    if (!timeline) this.#timelines.set(chatId, timeline = createChatTimeline());
    return timeline;
  }

  /** Takes chats a node described; true when the list changed. */
  merge(chats: readonly Chat[]): boolean {
    let changed = false;
    for (const chat of chats) {
      const known = this.#chats.get(chat.chatId);
      const merged: Chat = { ...known, ...chat };
      // A chatCreated or chatRenamed says no lastMessageAt nor creator: the known ones stay.
      if (chat.lastMessageAt === undefined && known?.lastMessageAt !== undefined) {
        merged.lastMessageAt = known.lastMessageAt;
      }
      if (
        known?.name === merged.name && known.lastMessageAt === merged.lastMessageAt &&
        known.creator === merged.creator
      ) continue;
      this.#chats.set(chat.chatId, merged);
      changed = true;
    }
    return changed;
  }

  /** A message names this chat; true when it was not known before. */
  noteChat(chatId: number): boolean {
    if (this.#chats.has(chatId)) return false;
    this.#chats.set(chatId, { chatId, name: `chat ${chatId}` });
    return true;
  }

  /** Every known chat, by chatId. */
  list(): Chat[] {
    return [...this.#chats.values()].sort((a, b) => a.chatId - b.chatId);
  }
}
