/**
 * The page's own state, beside what the SDK client keeps (messages, chats,
 * people): which chat is shown, the name being typed and the one the nodes
 * were last told, and per chat what the page did with it (unread count,
 * whether its latest page is loaded, whether older pages exist).
 *
 * Invariant: one ChatPageState per chat id, made on first use.
 * @module
 */

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
  /** The name as typed: sends and own-message marks use it at once. */
  myName: string;
  /** The name of the last hello, so a second one is sent only when it changed. */
  greetedName: string;
  chat(chatId: number): ChatPageState;
  current(): ChatPageState;
}

export function createPageState(currentChatId: number, myName: string): PageState {
  const chats = new Map<number, ChatPageState>();
  const state: PageState = {
    currentChatId,
    myName,
    greetedName: myName,
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
  return state;
}
