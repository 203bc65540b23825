/**
 * What the person on the page does, wired to the client: the `Name` field,
 * the `New chat` form, scrolling back through history. The composer has its
 * own module (page_composer.ts). DOM events in, SDK calls and page state out;
 * drawing is the renderer's.
 *
 * Invariant: a name takes effect as it is typed and reaches the presence list
 * once the field is left; a created chat is shown with the composer focused.
 * @module
 */

import { Limits } from "../../../common/protocol.ts";
import type { DSatterClient } from "../../../sdk/mod.ts";
import type { ChatView } from "./chat_view.ts";
import { wireComposer } from "./page_composer.ts";
import type { PageHistory } from "./page_history.ts";
import type { PageRenderer } from "./page_render.ts";
import type { PageState } from "./page_state.ts";
import { saveName } from "./page_storage.ts";

export interface PageControlsContext {
  view: ChatView;
  client: DSatterClient;
  state: PageState;
  render: PageRenderer;
  history: PageHistory;
  switchChat(chatId: number): void;
  /** Opens the editor on the newest own message (the Up arrow in an empty composer). */
  editLastOwn(): boolean;
  /** Says that the person is typing in the chat shown (sent at most every few seconds). */
  typing(): void;
}

export function wirePageControls(context: PageControlsContext): void {
  wireComposer(context);
  wireNameField(context);
  const { view, client, history } = context;
  view.elements.createChat.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = view.elements.newChat.value.trim().slice(0, Limits.chatNameMaxChars);
    if (!name || client.state.kind !== "online") return;
    client.createChat(name).then((chat) => {
      view.elements.newChat.value = "";
      context.switchChat(chat.chatId);
      view.elements.message.focus();
    }).catch((error) => console.warn(error));
  });
  view.elements.scroller.addEventListener("scroll", () => {
    if (view.elements.scroller.scrollTop < 80) void history.loadOlder();
  }, { passive: true });
  view.elements.older.addEventListener("click", () => void history.loadOlder());
}

/**
 * The name takes effect as it is typed (sends, own-message marks); the presence list
 * learns it with a new hello once the field is left or Enter is pressed.
 */
function wireNameField({ view, client, state, render }: PageControlsContext): void {
  const field = view.elements.name;
  field.addEventListener("input", () => {
    const name = field.value.trim().slice(0, Limits.helloNameMaxChars);
    if (!name || name === state.myName) return;
    state.myName = name;
    saveName(name);
    client.setName(name, { announce: false });
    render.schedule({ timeline: true });
  });
  field.addEventListener("change", () => {
    if (!field.value.trim()) field.value = state.myName;
    // Said at once on a connection (whatever its phase); offline, the next hello says it.
    if (state.myName !== state.greetedName) {
      state.greetedName = state.myName;
      client.setName(state.myName);
    }
  });
}
