/**
 * Everything the page draws: the chat list, the message timeline, the people
 * online, the connection indicator and banner, the notice above a chat, the
 * typing line, and the tab title. Pure rendering onto the DOM of index.html.
 *
 * Invariant: text that came from the network (message text, sender, chat and
 * people names) only ever reaches the DOM through `textContent`, never as
 * HTML, so a message like `<img src=x onerror=...>` is shown, not run. The
 * timeline keeps one element per row key and only moves or adds elements, so
 * a re-render neither flickers nor loses the reader's scroll position.
 * @module
 */

import type { ConnectionState, TimelineEntry } from "../../../sdk/mod.ts";
import { type ChatListItem, createChatListView } from "./chat_list_view.ts";
import { type ChatNotice, type ChatNoticeActions, renderChatNotice } from "./chat_notice_view.ts";
import { createConnectionView } from "./connection_view.ts";
import { byId, peopleText } from "./dom_text.ts";
import type { RowActions, RowModes } from "./message_row.ts";
import { createTimelineView } from "./timeline_view.ts";

export type { ChatListItem } from "./chat_list_view.ts";
export type { ChatNotice } from "./chat_notice_view.ts";

function pageElements() {
  return {
    connection: byId<HTMLSpanElement>("connection"),
    banner: byId<HTMLDivElement>("connection-banner"),
    name: byId<HTMLInputElement>("name"),
    notify: byId<HTMLButtonElement>("notify"),
    searchForm: byId<HTMLFormElement>("search-form"),
    search: byId<HTMLInputElement>("search"),
    chatList: byId<HTMLUListElement>("chat-list"),
    createChat: byId<HTMLFormElement>("create-chat"),
    newChat: byId<HTMLInputElement>("new-chat"),
    chatTitle: byId<HTMLHeadingElement>("chat-title"),
    renameButton: byId<HTMLButtonElement>("rename-chat"),
    renameForm: byId<HTMLFormElement>("rename-form"),
    renameInput: byId<HTMLInputElement>("rename-input"),
    renameCancel: byId<HTMLButtonElement>("rename-cancel"),
    notice: byId<HTMLDivElement>("chat-notice"),
    scroller: byId<HTMLDivElement>("scroller"),
    older: byId<HTMLButtonElement>("older"),
    historyStart: byId<HTMLParagraphElement>("history-start"),
    timeline: byId<HTMLOListElement>("timeline"),
    jumpLatest: byId<HTMLButtonElement>("jump-latest"),
    typing: byId<HTMLParagraphElement>("typing"),
    composer: byId<HTMLFormElement>("composer"),
    message: byId<HTMLTextAreaElement>("message"),
    send: byId<HTMLButtonElement>("send"),
    presenceList: byId<HTMLUListElement>("presence-list"),
    peopleCount: byId<HTMLSpanElement>("people-count"),
    people: byId<HTMLElement>("people"),
    searchResults: byId<HTMLElement>("search-results"),
    searchSummary: byId<HTMLParagraphElement>("search-summary"),
    searchList: byId<HTMLOListElement>("search-list"),
    searchMore: byId<HTMLButtonElement>("search-more"),
    searchClose: byId<HTMLButtonElement>("search-close"),
  };
}

export type PageElements = ReturnType<typeof pageElements>;

export function createChatView(rowActions: RowActions) {
  const elements = pageElements();
  const connection = createConnectionView(elements.connection, elements.people, elements.banner);
  const chatList = createChatListView(elements.chatList);
  const timeline = createTimelineView(
    elements.scroller,
    elements.timeline,
    elements.jumpLatest,
    rowActions,
  );

  return {
    elements,
    timeline,

    renderConnection(state: ConnectionState) {
      connection.render(state);
    },

    renderChatList(items: ChatListItem[], currentChatId: number, onPick: (chatId: number) => void) {
      chatList.render(items, currentChatId, onPick);
    },

    /** The chat's name above the timeline; the tab says it too, after the unread count. */
    renderTitle(name: string, unread: number) {
      elements.chatTitle.textContent = name;
      document.title = `${unread > 0 ? `(${unread}) ` : ""}${name} · DSatter`;
    },

    renderNotice(notice: ChatNotice | undefined, actions: ChatNoticeActions) {
      renderChatNotice(elements.notice, notice, actions);
      const blocked = notice?.kind === "badAddress";
      elements.message.disabled = blocked;
      elements.send.disabled = blocked;
    },

    renderTimeline(entries: TimelineEntry[], ownName: string, modes: RowModes, reset: boolean) {
      timeline.render(entries, ownName, modes, reset);
    },

    renderHistoryEdge(hasOlder: boolean, loading: boolean) {
      elements.older.hidden = !hasOlder;
      elements.older.disabled = loading;
      elements.older.textContent = loading ? "Loading…" : "Load earlier";
      elements.historyStart.hidden = hasOlder;
    },

    renderTyping(line: string) {
      if (elements.typing.textContent !== line) elements.typing.textContent = line;
    },

    renderPresence(names: string[]) {
      elements.presenceList.replaceChildren(
        ...names.map((name) => {
          const item = peopleText("li", "", name);
          item.title = name;
          return item;
        }),
      );
      elements.peopleCount.textContent = `(${names.length})`;
    },
  };
}

export type ChatView = ReturnType<typeof createChatView>;
