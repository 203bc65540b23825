/**
 * The interactive client's buffers, as in weechat: one per joined chat, in
 * the order they were opened (numbered from 1 for `/switch N` and Alt+N),
 * one current. Each remembers which messages it showed (by timeline row key)
 * and its notes (with the time they were printed), so switching back or
 * redrawing shows it again, in canonical order, with edits and deletes
 * applied; and it counts what arrived while it was not shown (the activity
 * marker).
 *
 * Invariant: there is always at least one buffer and exactly one current;
 * a chat has at most one buffer; a buffer remembers at most MAX_SHOWN
 * messages and MAX_NOTES notes (the oldest go first).
 * @module
 */

import { OlderPages } from "./older_pages.ts";

/** A status line printed in a buffer, and when (to place it among the messages). */
export interface BufferNote {
  atMs: number;
  text: string;
}

export interface ChatBuffer {
  chatId: number;
  /** The chat's name as last known (`chat <id>` until a node says otherwise). */
  name: string;
  /** Messages that arrived while another buffer was shown. */
  unread: number;
  /** One of them mentions this client's name. */
  mentioned: boolean;
  /** The latest page was read (on first showing). */
  historyLoaded: boolean;
  older: OlderPages;
  /** Row keys of the messages shown here (chat_timeline.ts timelineKey). */
  shown: Set<string>;
  notes: BufferNote[];
}

export const MAX_SHOWN = 5000;
export const MAX_NOTES = 500;

export class ChatBuffers {
  #buffers: ChatBuffer[] = [];
  #current = 0;

  constructor(firstChatId: number) {
    this.open(firstChatId);
  }

  list(): readonly ChatBuffer[] {
    return this.#buffers;
  }

  get currentIndex(): number {
    return this.#current;
  }

  current(): ChatBuffer {
    return this.#buffers[this.#current];
  }

  find(chatId: number): ChatBuffer | undefined {
    return this.#buffers.find((buffer) => buffer.chatId === chatId);
  }

  /** The buffer of a chat, opened (last) when there is none; it does not become current. */
  open(chatId: number, name = `chat ${chatId}`): ChatBuffer {
    const known = this.find(chatId);
    if (known) return known;
    const buffer: ChatBuffer = {
      chatId,
      name,
      unread: 0,
      mentioned: false,
      historyLoaded: false,
      older: new OlderPages(),
      shown: new Set(),
      notes: [],
    };
    this.#buffers.push(buffer);
    return buffer;
  }

  /** Makes the buffer at index (0-based) current; false when there is none. */
  switchTo(index: number): boolean {
    if (!Number.isInteger(index) || index < 0 || index >= this.#buffers.length) return false;
    this.#current = index;
    const buffer = this.current();
    buffer.unread = 0;
    buffer.mentioned = false;
    return true;
  }

  /** Makes a chat's buffer current, opening it if needed. */
  show(chatId: number): ChatBuffer {
    this.open(chatId);
    this.switchTo(this.#buffers.findIndex((buffer) => buffer.chatId === chatId));
    return this.current();
  }

  /** The index of the first buffer whose name starts with text (any case), or -1. */
  indexByName(text: string): number {
    const folded = text.toLocaleLowerCase();
    const exact = this.#buffers.findIndex((b) => b.name.toLocaleLowerCase() === folded);
    if (exact >= 0) return exact;
    return this.#buffers.findIndex((b) => b.name.toLocaleLowerCase().startsWith(folded));
  }

  /** Closes the current buffer (never the last one); false when it is the last. */
  closeCurrent(): boolean {
    if (this.#buffers.length === 1) return false;
    this.#buffers.splice(this.#current, 1);
    this.switchTo(Math.min(this.#current, this.#buffers.length - 1));
    return true;
  }

  /** A chat's name changed (listed, created, renamed). */
  rename(chatId: number, name: string): boolean {
    const buffer = this.find(chatId);
    if (!buffer || buffer.name === name) return false;
    buffer.name = name;
    return true;
  }

  /** A message arrived in a chat: counted when its buffer is not the one shown. */
  arrived(chatId: number, mentionsMe: boolean): boolean {
    const buffer = this.find(chatId);
    if (!buffer || buffer === this.current()) return false;
    buffer.unread += 1;
    if (mentionsMe) buffer.mentioned = true;
    return true;
  }

  /** A message was shown in a buffer. */
  recordShown(buffer: ChatBuffer, key: string): void {
    buffer.shown.add(key);
    if (buffer.shown.size > MAX_SHOWN) {
      buffer.shown.delete(buffer.shown.values().next().value!);
    }
  }

  /** A note was printed in a buffer. */
  recordNote(buffer: ChatBuffer, note: BufferNote): void {
    buffer.notes.push(note);
    if (buffer.notes.length > MAX_NOTES) buffer.notes.splice(0, buffer.notes.length - MAX_NOTES);
  }
}

/**
 * The buffer bar in the footer: `[1:chat 11]  2:Team room(3)  3:ops(1!)`: the current
 * one in brackets, the unread count after a name (`!` when one mentions you).
 */
export function bufferBar(buffers: readonly ChatBuffer[], currentIndex: number): string {
  return buffers.map((buffer, index) => {
    const label = `${index + 1}:${buffer.name}`;
    if (index === currentIndex) return `[${label}]`;
    if (buffer.unread === 0) return ` ${label} `;
    return ` ${label}(${buffer.unread}${buffer.mentioned ? "!" : ""}) `;
  }).join(" ");
}
