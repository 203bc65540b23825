/**
 * What the interactive terminal prints into its buffers: a message (wrapped,
 * indented under the text, nick coloured), a note (`-- text`), a block of
 * older messages; the whole buffer again (on a switch, after an edit or a
 * delete, Ctrl-L), in canonical order with the notes among the messages by
 * the time they were printed; and opening a chat's buffer with its latest
 * messages.
 *
 * Invariant: only the buffer shown reaches the terminal; every other buffer
 * just remembers (and counts) what it would have shown. Network text reaches
 * the terminal only through message_format.ts.
 * @module
 */

import type { ChatMessage } from "../common/protocol.ts";
import { timelineKey } from "../sdk/chat_timeline.ts";
import type { ChatBuffer } from "./chat_buffers.ts";
import type { InteractiveContext } from "./interactive_context.ts";
import { formatMessageLines } from "./message_format.ts";

/** The rows of one message in this terminal. */
export function messageRows(context: InteractiveContext, message: ChatMessage): string[] {
  return formatMessageLines(message, {
    color: context.color,
    width: context.screen.columns,
    nickColor: (name) => context.nicks.color(name),
    edited: message.editedAt !== undefined,
  });
}

/** A message for a buffer: printed when it is the one shown, remembered either way. */
export function showMessage(context: InteractiveContext, message: ChatMessage): void {
  const buffer = context.buffers.find(message.chatId);
  if (!buffer) return;
  const key = timelineKey(message);
  if (buffer.shown.has(key)) return;
  context.buffers.recordShown(buffer, key);
  if (buffer === context.buffers.current()) context.screen.show(...messageRows(context, message));
}

/** A note in a buffer (the one shown by default). */
export function showNote(context: InteractiveContext, text: string, buffer?: ChatBuffer): void {
  const target = buffer ?? context.buffers.current();
  const line = context.screen.noteLine(text);
  context.buffers.recordNote(target, { atMs: Date.now(), text: line });
  if (target === context.buffers.current()) context.screen.show(line);
}

/** Prints lines (help, lists, search results) in the buffer shown, kept like a note. */
export function showLines(context: InteractiveContext, ...lines: string[]): void {
  const buffer = context.buffers.current();
  context.buffers.recordNote(buffer, { atMs: Date.now(), text: lines.join("\n") });
  context.screen.show(...lines);
}

/** Messages printed as one block, oldest first, at the bottom (older pages, history). */
export function showBlock(context: InteractiveContext, messages: readonly ChatMessage[]): void {
  const buffer = context.buffers.current();
  const rows: string[] = [];
  for (const message of messages) {
    context.buffers.recordShown(buffer, timelineKey(message));
    rows.push(...messageRows(context, message));
  }
  context.screen.show(...rows);
}

/** The buffer shown, drawn again from what it remembers: messages as they now are. */
export function redrawBuffer(context: InteractiveContext): void {
  const buffer = context.buffers.current();
  const lines: string[] = [];
  const notes = buffer.notes;
  let next = 0;
  for (const entry of context.client.timeline(buffer.chatId).entries()) {
    if (entry.kind !== "message" || !buffer.shown.has(entry.key)) continue;
    const atMs = Date.parse(entry.message.dateTime);
    while (next < notes.length && notes[next].atMs < atMs) lines.push(notes[next++].text);
    lines.push(...messageRows(context, entry.message));
  }
  while (next < notes.length) lines.push(notes[next++].text);
  context.screen.redraw(lines);
}

/** Shows a chat's buffer (opening it), its latest messages read the first time. */
export async function openBuffer(context: InteractiveContext, chatId: number): Promise<void> {
  const { buffers, client } = context;
  const name = client.chats().find((chat) => chat.chatId === chatId)?.name;
  const buffer = buffers.show(chatId);
  if (name) buffers.rename(chatId, name);
  redrawBuffer(context);
  await loadLatest(context, buffer);
}

/** The buffer's latest page, once, when online; shown if it is the buffer shown. */
export async function loadLatest(context: InteractiveContext, buffer: ChatBuffer): Promise<void> {
  if (buffer.historyLoaded || context.client.state.kind !== "online") return;
  buffer.historyLoaded = true;
  try {
    const page = await context.client.history(buffer.chatId, { limit: context.historyLimit });
    for (const message of page.messages) {
      buffer.older.noteShown(message, "history");
      context.buffers.recordShown(buffer, timelineKey(message));
    }
    if (buffer === context.buffers.current()) redrawBuffer(context);
  } catch {
    buffer.historyLoaded = false; // offline again: read on the next connection
  }
}
