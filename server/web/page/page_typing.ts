/**
 * Typing, both ways: the person's own typing is told to the chat at most once
 * every few seconds (readers keep it for 5 s, so a steady typist shows
 * steadily), and the typing line under the timeline says who else is typing
 * in the chat shown, redrawn when an entry expires.
 *
 * Invariant: no typing is sent while offline or for a chat other than the
 * one typed in; a person stops showing as typing when their message arrives.
 * @module
 */

import {
  describeTyping,
  type DSatterClient,
  TypingRoster,
  watchTypingExpiry,
} from "../../../sdk/mod.ts";
import type { PageRenderer } from "./page_render.ts";
import type { PageState } from "./page_state.ts";

/** Own typing is sent at most this often (readers expire it after 5 s). */
const SEND_EVERY_MS = 3000;

export interface PageTyping {
  /** The person typed in the composer. */
  typed(): void;
  /** The line for the chat shown. */
  line(): string;
}

export function wireTyping(
  client: DSatterClient,
  state: PageState,
  render: PageRenderer,
): PageTyping {
  const roster = new TypingRoster();
  let lastSent = { chatId: -1, atMs: 0 };
  let stopExpiry = () => {};
  const redrawLater = () => {
    stopExpiry();
    stopExpiry = watchTypingExpiry(roster, () => render.schedule({ typing: true }));
  };
  client.on("typing", (event) => {
    if (event.name === state.myName) return;
    roster.note(event, Date.now());
    if (event.chatId === state.currentChatId) render.schedule({ typing: true });
    redrawLater();
  });
  client.on("message", ({ message }) => {
    if (roster.stopped(message.chatId, message.sender)) render.schedule({ typing: true });
  });
  return {
    typed() {
      const now = Date.now();
      const chatId = state.currentChatId;
      if (client.state.kind !== "online") return;
      if (lastSent.chatId === chatId && now - lastSent.atMs < SEND_EVERY_MS) return;
      lastSent = { chatId, atMs: now };
      client.typing(chatId);
    },
    line: () => describeTyping(roster.names(state.currentChatId, Date.now(), state.myName)),
  };
}
