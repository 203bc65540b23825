/**
 * The page's own state, beside what the SDK client keeps (messages, chats,
 * people): which chat is shown, the name being typed and the one the nodes
 * were last told, per chat what the page did with it (unread count, whether
 * its latest page is loaded, whether older pages exist), and what the person
 * is doing to a message (editing it, confirming its delete).
 *
 * Invariant: one ChatPageState per chat id, made on first use; at most one
 * message is being edited or confirmed for deletion at a time.
 * @module
 */

import type { ChatAddress } from "./page_storage.ts";

export interface ChatPageState {
  chatId: number;
  unread: number;
  /** The latest page was loaded (else only live messages are held). */
  loaded: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
}

export interface PageState {
  currentChatId: number;
  /** `?chat=` held something that is no chat id: nothing is shown until a chat is picked. */
  badAddress?: string;
  /** The name as typed: sends and own-message marks use it at once. */
  myName: string;
  /** The name of the last hello, so a second one is sent only when it changed. */
  greetedName: string;
  /** The cluster's chat list has been read once: from then on an unlisted chat is unknown. */
  chatsListed: boolean;
  /** The messageId whose text is being edited in place. */
  editing?: string;
  /** The messageId whose delete waits for a confirmation. */
  confirmingDelete?: string;
  /** Messages that arrived in the shown chat while the tab was hidden (for the title). */
  unseenWhileHidden: number;
  chat(chatId: number): ChatPageState;
  current(): ChatPageState;
}

export function createPageState(address: ChatAddress, myName: string): PageState {
  const chats = new Map<number, ChatPageState>();
  const state: PageState = {
    currentChatId: address.chatId,
    myName,
    greetedName: myName,
    chatsListed: false,
    unseenWhileHidden: 0,
    chat(chatId) {
      let view = chats.get(chatId);
      if (!view) {
        view = { chatId, unread: 0, loaded: false, hasOlder: false, loadingOlder: false };
        chats.set(chatId, view);
      }
      return view;
    },
    current: () => state.chat(state.currentChatId),
  };
  if (address.bad !== undefined) state.badAddress = address.bad;
  return state;
}

/** Unread messages everywhere: other chats' counts plus the shown chat's while hidden. */
export function totalUnread(state: PageState, chatIds: readonly number[]): number {
  let total = state.unseenWhileHidden;
  for (const chatId of chatIds) {
    if (chatId !== state.currentChatId) total += state.chat(chatId).unread;
  }
  return total;
}
