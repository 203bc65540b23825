/**
 * The page's history: the latest page of a chat when it is first shown (and
 * again after a reconnect while it was not loaded), older pages when the
 * reader scrolls to the top or presses `Load earlier`, and more older pages
 * while the history does not fill the view (no scrolling to ask with).
 *
 * To show one message (a search result, a notification), pages are read back
 * from the newest until it is among them, up to a bound.
 *
 * Invariant: at most one older page of a chat is asked at a time; a failed
 * read leaves the chat as it was, so the next scroll tries again.
 * @module
 */

import type { DSatterClient } from "../../../sdk/mod.ts";
import type { ChatView } from "./chat_view.ts";
import type { PageRenderer } from "./page_render.ts";
import type { ChatPageState, PageState } from "./page_state.ts";

const PAGE_SIZE = 50;
/** How far back a search result is looked for in the timeline: 20 pages of 100. */
const FIND_PAGE_SIZE = 100;
const FIND_PAGES_MAX = 20;

export interface PageHistory {
  loadLatest(chat: ChatPageState): Promise<void>;
  loadOlder(): Promise<void>;
  /** Asks for older pages while the view has no scrollbar yet. */
  fillView(): void;
  /** Reads pages of the chat shown until messageId is among them; false if not found. */
  loadUntil(messageId: string): Promise<boolean>;
}

export function createPageHistory(
  client: DSatterClient,
  state: PageState,
  view: ChatView,
  render: PageRenderer,
): PageHistory {
  const online = () => client.state.kind === "online";

  async function loadLatest(chat: ChatPageState): Promise<void> {
    const page = await client.history(chat.chatId, { limit: PAGE_SIZE });
    chat.loaded = true;
    chat.hasOlder = page.more;
    render.schedule({ timeline: chat.chatId === state.currentChatId });
  }

  async function loadOlder(): Promise<void> {
    const chat = state.current();
    if (!chat.loaded || !chat.hasOlder || chat.loadingOlder || !online()) return;
    const before = client.timeline(chat.chatId).oldestMessageId();
    if (before === undefined) return void loadLatest(chat).catch(() => {});
    chat.loadingOlder = true;
    render.schedule({ timeline: true });
    try {
      const page = await client.history(chat.chatId, { before, limit: PAGE_SIZE });
      chat.hasOlder = page.more;
    } catch {
      // Offline or slow: the button stays, the next scroll tries again.
    } finally {
      chat.loadingOlder = false;
      render.schedule({ timeline: chat.chatId === state.currentChatId });
    }
  }

  async function loadUntil(messageId: string): Promise<boolean> {
    const chat = state.current();
    const has = () =>
      client.timeline(chat.chatId).entries().some((entry) =>
        entry.kind === "message" && entry.message.messageId === messageId
      );
    if (!chat.loaded) await loadLatest(chat);
    for (let page = 0; page < FIND_PAGES_MAX && !has() && chat.hasOlder; page++) {
      const before = client.timeline(chat.chatId).oldestMessageId();
      if (before === undefined) break;
      const older = await client.history(chat.chatId, { before, limit: FIND_PAGE_SIZE });
      chat.hasOlder = older.more;
    }
    render.schedule({ timeline: chat.chatId === state.currentChatId });
    return has();
  }

  return {
    loadLatest,
    loadOlder,
    loadUntil,
    fillView() {
      const scroller = view.elements.scroller;
      if (scroller.scrollHeight <= scroller.clientHeight + 4) void loadOlder();
    },
  };
}
