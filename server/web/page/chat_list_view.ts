/**
 * The list of chats: one button per chat, the current one marked
 * (`aria-current`), an unread badge on the others.
 *
 * Invariant: a redraw keeps the keyboard focus on the chat button it was on,
 * and scrolls the current chat into view (on a phone the list is a sideways
 * strip) only when the chat or the number of chats changed.
 * @module
 */

import { peopleText, textElement } from "./dom_text.ts";

export interface ChatListItem {
  chatId: number;
  name: string;
  unread: number;
}

export interface ChatListView {
  render(items: ChatListItem[], currentChatId: number, onPick: (chatId: number) => void): void;
}

function chatButton(
  item: ChatListItem,
  currentChatId: number,
  onPick: (chatId: number) => void,
): HTMLLIElement {
  const button = document.createElement("button");
  button.type = "button";
  button.dataset.chatId = String(item.chatId);
  if (item.chatId === currentChatId) button.setAttribute("aria-current", "true");
  button.append(peopleText("span", "chat-name", item.name));
  button.title = item.name;
  button.dataset.unread = String(item.unread > 0);
  if (item.unread > 0) {
    const badge = textElement("span", "unread", String(item.unread));
    badge.setAttribute("aria-label", `${item.unread} new`);
    button.append(badge);
  }
  button.addEventListener("click", () => onPick(item.chatId));
  const li = document.createElement("li");
  li.append(button);
  return li;
}

export function createChatListView(list: HTMLElement): ChatListView {
  let revealed = "";
  return {
    render(items, currentChatId, onPick) {
      const buttons = items.map((item) => chatButton(item, currentChatId, onPick));
      const focused = document.activeElement instanceof HTMLElement &&
          list.contains(document.activeElement)
        ? document.activeElement.dataset.chatId
        : undefined;
      list.replaceChildren(...buttons);
      if (focused !== undefined) {
        list.querySelector<HTMLButtonElement>(`button[data-chat-id="${focused}"]`)
          ?.focus({ preventScroll: true });
      }
      const reveal = `${currentChatId}/${items.length}`;
      if (reveal !== revealed) {
        revealed = reveal;
        list.querySelector('[aria-current="true"]')
          ?.scrollIntoView({ block: "nearest", inline: "nearest" });
      }
    },
  };
}
