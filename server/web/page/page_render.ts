/**
 * Rendering, coalesced: client events and user actions mark what changed
 * (chat list and title, timeline, people, typing line) and one render a
 * moment later draws it all, so a burst of frames (a resume page of 1,000
 * messages) costs one render.
 *
 * Invariant: what is drawn comes from the SDK client and the page state at
 * render time, never from the event that asked for it.
 * @module
 */

import { DEFAULT_CHAT_ID, type DSatterClient } from "../../../sdk/mod.ts";
import type { ChatListItem, ChatNotice, ChatView } from "./chat_view.ts";
import type { ChatNoticeActions } from "./chat_notice_view.ts";
import { type PageState, totalUnread } from "./page_state.ts";

export interface RenderParts {
  list?: boolean;
  timeline?: boolean;
  presence?: boolean;
  typing?: boolean;
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
  noticeActions: ChatNoticeActions;
  /** The typing line of the chat shown, now. */
  typingLine(): string;
  /** After each render (the history may not fill the view yet). */
  afterRender(): void;
}

const PARTS = ["list", "timeline", "presence", "typing", "reset"] as const;

/** What the notice above the chat says, if anything. */
export function chatNotice(state: PageState, client: DSatterClient): ChatNotice | undefined {
  if (state.badAddress !== undefined) return { kind: "badAddress", raw: state.badAddress };
  const chatId = state.currentChatId;
  if (!state.chatsListed || chatId === DEFAULT_CHAT_ID) return undefined;
  if (client.chats().some((chat) => chat.chatId === chatId)) return undefined;
  if (client.timeline(chatId).entries().length > 0) return undefined;
  return { kind: "unknownChat", chatId };
}

export function createPageRenderer(options: PageRendererOptions): PageRenderer {
  const { view, client, state } = options;
  const dirty: Required<RenderParts> = {
    list: false,
    timeline: false,
    presence: false,
    typing: false,
    reset: false,
  };
  let queued = false;

  function chatItems(): ChatListItem[] {
    const chats = client.chats();
    if (state.badAddress === undefined && !chats.some((c) => c.chatId === state.currentChatId)) {
      chats.push({ chatId: state.currentChatId, name: `chat ${state.currentChatId}` });
    }
    // By name, as people read a list (numbers in names in number order), not by id.
    chats.sort((a, b) =>
      a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: "base" }) ||
      a.chatId - b.chatId
    );
    return chats.map((chat) => ({ ...chat, unread: state.chat(chat.chatId).unread }));
  }

  function renderList() {
    const items = chatItems();
    const shown = state.badAddress === undefined ? state.currentChatId : -1;
    view.renderChatList(items, shown, options.onPickChat);
    const unread = totalUnread(state, items.map((item) => item.chatId));
    const name = items.find((item) => item.chatId === shown)?.name ?? "No such chat";
    view.renderTitle(name, unread);
    view.renderNotice(chatNotice(state, client), options.noticeActions);
  }

  function renderTimeline() {
    const current = state.current();
    const entries = state.badAddress === undefined
      ? client.timeline(state.currentChatId).entries()
      : [];
    const modes = { editing: state.editing, confirmingDelete: state.confirmingDelete };
    view.renderTimeline(entries, state.myName, modes, dirty.reset);
    view.renderHistoryEdge(current.loaded && current.hasOlder, current.loadingOlder);
    view.renderNotice(chatNotice(state, client), options.noticeActions);
  }

  function renderNow() {
    queued = false;
    if (dirty.list) renderList();
    if (dirty.timeline) renderTimeline();
    if (dirty.presence) view.renderPresence(client.people());
    if (dirty.typing || dirty.timeline) view.renderTyping(options.typingLine());
    for (const part of PARTS) dirty[part] = false;
    options.afterRender();
  }

  return {
    schedule(parts) {
      for (const part of PARTS) {
        if (parts[part]) dirty[part] = true;
      }
      if (queued) return;
      queued = true;
      setTimeout(renderNow, 0);
    },
  };
}
