/**
 * Everything the page draws: the chat list, the message timeline, the people
 * online, the connection indicator. Pure rendering onto the DOM of index.html.
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
import { createConnectionView } from "./connection_view.ts";
import { byId, peopleText } from "./dom_text.ts";
import { createTimelineView } from "./timeline_view.ts";

export type { ChatListItem } from "./chat_list_view.ts";

export function createChatView() {
  const elements = {
    connection: byId<HTMLSpanElement>("connection"),
    name: byId<HTMLInputElement>("name"),
    chatList: byId<HTMLUListElement>("chat-list"),
    createChat: byId<HTMLFormElement>("create-chat"),
    newChat: byId<HTMLInputElement>("new-chat"),
    chatTitle: byId<HTMLHeadingElement>("chat-title"),
    scroller: byId<HTMLDivElement>("scroller"),
    older: byId<HTMLButtonElement>("older"),
    historyStart: byId<HTMLParagraphElement>("history-start"),
    timeline: byId<HTMLOListElement>("timeline"),
    composer: byId<HTMLFormElement>("composer"),
    message: byId<HTMLInputElement>("message"),
    presenceList: byId<HTMLUListElement>("presence-list"),
    peopleCount: byId<HTMLSpanElement>("people-count"),
    people: byId<HTMLElement>("people"),
  };
  const connection = createConnectionView(elements.connection, elements.people);
  const chatList = createChatListView(elements.chatList);
  const timeline = createTimelineView(elements.scroller, elements.timeline);

  return {
    elements,

    renderConnection(state: ConnectionState) {
      connection.render(state);
    },

    renderChatList(items: ChatListItem[], currentChatId: number, onPick: (chatId: number) => void) {
      chatList.render(items, currentChatId, onPick);
    },

    renderTitle(name: string) {
      elements.chatTitle.textContent = name;
      document.title = `${name} · DSatter`;
    },

    renderTimeline(entries: TimelineEntry[], ownName: string, reset: boolean) {
      timeline.render(entries, ownName, reset);
    },

    renderHistoryEdge(hasOlder: boolean, loading: boolean) {
      elements.older.hidden = !hasOlder;
      elements.older.disabled = loading;
      elements.older.textContent = loading ? "Loading…" : "Load earlier";
      elements.historyStart.hidden = hasOlder;
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
