/**
 * Getting the person's attention when they are elsewhere: unread counts in
 * the tab title (other chats, plus the chat shown while the tab is hidden),
 * and a desktop notification when someone mentions their name while the tab
 * is hidden. Notifications are off until the bell is pressed: permission is
 * asked only then, on that gesture, never on load.
 *
 * Invariant: nothing notifies about one's own messages, messages that are not
 * new (history, resume), or while the tab is visible.
 * @module
 */

import type { ChatMessage } from "../../../sdk/mod.ts";
import { mentions } from "../../../sdk/mentions.ts";
import { parseMarkup, plainText } from "./message_markup.ts";
import type { PageRenderer } from "./page_render.ts";
import type { PageState } from "./page_state.ts";

const NOTIFY_STORAGE_KEY = "dsatter.notify";

export interface PageAttentionContext {
  bell: HTMLButtonElement;
  state: PageState;
  render: PageRenderer;
  chatName(chatId: number): string;
  /** A notification was clicked: show that message. */
  show(chatId: number, messageId: string): void;
}

export interface PageAttention {
  /** A live message arrived (not one of ours). */
  arrived(message: ChatMessage): void;
}

function notificationsAllowed(): boolean {
  return typeof Notification !== "undefined" && Notification.permission === "granted";
}

function storedWish(): boolean {
  try {
    return localStorage.getItem(NOTIFY_STORAGE_KEY) === "on";
  } catch {
    return false;
  }
}

function saveWish(on: boolean): void {
  try {
    localStorage.setItem(NOTIFY_STORAGE_KEY, on ? "on" : "off");
  } catch { /* storage disabled: asked again next visit */ }
}

export function wireAttention(context: PageAttentionContext): PageAttention {
  const { bell, state, render } = context;
  let wanted = storedWish();
  const showBell = () => {
    const on = wanted && notificationsAllowed();
    bell.setAttribute("aria-pressed", String(on));
    bell.title = typeof Notification === "undefined"
      ? "This browser cannot show notifications"
      : Notification.permission === "denied"
      ? "Notifications are blocked in this browser's site settings"
      : on
      ? "Notifying you when someone mentions your name (click to stop)"
      : "Notify me when someone mentions my name";
  };
  bell.addEventListener("click", async () => {
    if (typeof Notification === "undefined") return;
    if (Notification.permission === "default") await Notification.requestPermission();
    wanted = Notification.permission === "granted" ? !(wanted && notificationsAllowed()) : false;
    saveWish(wanted);
    showBell();
  });
  showBell();

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible" || state.unseenWhileHidden === 0) return;
    state.unseenWhileHidden = 0;
    render.schedule({ list: true });
  });

  return {
    arrived(message) {
      if (document.visibilityState !== "hidden") return;
      if (message.chatId === state.currentChatId) {
        state.unseenWhileHidden += 1;
        render.schedule({ list: true });
      }
      if (!wanted || !notificationsAllowed() || !mentions(message.text, state.myName)) return;
      const notification = new Notification(
        `${message.sender} in ${context.chatName(message.chatId)}`,
        { body: plainText(parseMarkup(message.text)).slice(0, 200), tag: message.messageId },
      );
      notification.addEventListener("click", () => {
        globalThis.focus();
        context.show(message.chatId, message.messageId);
        notification.close();
      });
    },
  };
}
