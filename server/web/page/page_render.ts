/**
 * Rendering, coalesced: client events and user actions mark what changed
 * (chat list, timeline, people) and one render a moment later draws it all,
 * so a burst of frames (a resume page of 1,000 messages) costs one render.
 *
 * Invariant: what is drawn comes from the SDK client and the page state at
 * render time, never from the event that asked for it.
 * @module
 */

import type { DSatterClient } from "../../../sdk/mod.ts";
import type { ChatListItem, ChatView } from "./chat_view.ts";
import type { PageState } from "./page_state.ts";

export interface RenderParts {
  list?: boolean;
  timeline?: boolean;
  presence?: boolean;
  /** Redraw the timeline from scratch, at the bottom (a chat switch). */
  reset?: boolean;
}

export interface PageRenderer {
  schedule(parts: RenderParts): void;
}

export interface PageRendererOptions {
  view: ChatView;
  client: DSatterClient;
  state: PageState;
  onPickChat(chatId: number): void;
  /** After each render (the history may not fill the view yet). */
  afterRender(): void;
}

export function createPageRenderer(options: PageRendererOptions): PageRenderer {
  const { view, client, state } = options;
  const dirty: Required<RenderParts> = {
    list: false,
    timeline: false,
    presence: false,
    reset: false,
  };
  let queued = false;

  function chatItems(): ChatListItem[] {
    const chats = client.chats();
    if (!chats.some((chat) => chat.chatId === state.currentChatId)) {
      chats.push({ chatId: state.currentChatId, name: `chat ${state.currentChatId}` });
      chats.sort((a, b) => a.chatId - b.chatId);
    }
    return chats.map((chat) => ({ ...chat, unread: state.chat(chat.chatId).unread }));
  }

  function renderNow() {
    queued = false;
    const current = state.current();
    if (dirty.list) {
      const items = chatItems();
      view.renderChatList(items, state.currentChatId, options.onPickChat);
      view.renderTitle(items.find((item) => item.chatId === state.currentChatId)!.name);
    }
    if (dirty.timeline) {
      const entries = client.timeline(state.currentChatId).entries();
      view.renderTimeline(entries, state.myName, dirty.reset);
      view.renderHistoryEdge(current.loaded && current.hasOlder, current.loadingOlder);
    }
    if (dirty.presence) view.renderPresence(client.people());
    Object.assign(dirty, { list: false, timeline: false, presence: false, reset: false });
    options.afterRender();
  }

  return {
    schedule(parts) {
      for (const part of ["list", "timeline", "presence", "reset"] as const) {
        if (parts[part]) dirty[part] = true;
      }
      if (queued) return;
      queued = true;
      setTimeout(renderNow, 0);
    },
  };
}
