/**
 * The notice above a chat that is not what the address promised: `?chat=`
 * held no chat id (an error: nothing is shown until a chat is picked), or the
 * cluster lists no chat with that id (a warning: the first message sent starts
 * it, as the contract says, or a named chat can be created instead).
 *
 * Invariant: the notice never hides the address's mistake by showing another
 * chat in its place.
 * @module
 */

import { textElement } from "./dom_text.ts";

export type ChatNotice =
  | { kind: "badAddress"; raw: string }
  | { kind: "unknownChat"; chatId: number };

export interface ChatNoticeActions {
  openDefaultChat(): void;
  createNamedChat(): void;
}

function button(text: string, onClick: () => void): HTMLButtonElement {
  const element = textElement("button", "link-button", text) as HTMLButtonElement;
  element.type = "button";
  element.addEventListener("click", onClick);
  return element;
}

export function renderChatNotice(
  element: HTMLElement,
  notice: ChatNotice | undefined,
  actions: ChatNoticeActions,
): void {
  const key = notice ? JSON.stringify(notice) : "";
  if (element.dataset.key === key) return;
  element.dataset.key = key;
  element.hidden = notice === undefined;
  if (!notice) return element.replaceChildren();
  if (notice.kind === "badAddress") {
    element.dataset.kind = "error";
    element.setAttribute("role", "alert");
    element.replaceChildren(
      textElement("strong", "", "No such chat. "),
      textElement("span", "", `“${notice.raw}” is not a chat number. `),
      button("Open chat 11", actions.openDefaultChat),
    );
    return;
  }
  element.dataset.kind = "warning";
  element.setAttribute("role", "status");
  element.replaceChildren(
    textElement("strong", "", `Chat ${notice.chatId} does not exist yet. `),
    textElement("span", "", "The first message sent here starts it. "),
    button("Create a named chat instead", actions.createNamedChat),
  );
}
