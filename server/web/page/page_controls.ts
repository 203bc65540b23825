/**
 * What the person on the page does, wired to the client: the composer (Enter
 * or `Send`), the `Name` field, the `New chat` form, scrolling back through
 * history. DOM events in, SDK calls and page state out; drawing is the
 * renderer's.
 *
 * Invariant: a text longer than the nodes take is refused in place (counted
 * in characters, as the nodes count), never cut; a name takes effect as it is
 * typed and reaches the presence list once the field is left.
 * @module
 */

import { Limits } from "../../../common/protocol.ts";
import type { DSatterClient } from "../../../sdk/mod.ts";
import type { ChatView } from "./chat_view.ts";
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
    }).catch((error) => console.warn(error));
  });
  view.elements.scroller.addEventListener("scroll", () => {
    if (view.elements.scroller.scrollTop < 80) void history.loadOlder();
  }, { passive: true });
  view.elements.older.addEventListener("click", () => void history.loadOlder());
}

function wireComposer({ view, client, state, render }: PageControlsContext): void {
  const { composer, message, name, scroller } = view.elements;
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = message.value;
    if (text.trim() === "") return;
    if (!state.myName) return name.focus();
    // Characters as the nodes count them (code points), said to the user, never cut silently.
    const length = [...text].length;
    if (length > Limits.textMaxChars) {
      message.setCustomValidity(
        `Too long to send: ${length} characters, at most ${Limits.textMaxChars}`,
      );
      message.reportValidity();
      return;
    }
    // Shown at once as pending; a refusal shows on its row ("not delivered").
    client.send(text, { chatId: state.currentChatId }).catch(() => {});
    message.value = "";
    message.focus();
    render.schedule({ timeline: true });
    setTimeout(() => scroller.scrollTop = scroller.scrollHeight, 0);
  });
  message.addEventListener("input", () => message.setCustomValidity(""));
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
    if (client.state.kind === "online" && state.myName !== state.greetedName) {
      state.greetedName = state.myName;
      client.setName(state.myName);
    }
  });
}
