/**
 * The page's history: the latest page of a chat when it is first shown (and
 * again after a reconnect while it was not loaded), older pages when the
 * reader scrolls to the top or presses `Load earlier`, and more older pages
 * while the history does not fill the view (no scrolling to ask with).
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

export interface PageHistory {
  loadLatest(chat: ChatPageState): Promise<void>;
  loadOlder(): Promise<void>;
  /** Asks for older pages while the view has no scrollbar yet. */
  fillView(): void;
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

  return {
    loadLatest,
    loadOlder,
    fillView() {
      const scroller = view.elements.scroller;
      if (scroller.scrollHeight <= scroller.clientHeight + 4) void loadOlder();
    },
  };
}
