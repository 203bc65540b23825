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

export interface ChatListItem {
  chatId: number;
  name: string;
  unread: number;
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`Cannot start the page: #${id} is missing`);
  return element as T;
}

function textElement(tag: string, className: string, text: string): HTMLElement {
  const element = document.createElement(tag);
  element.className = className;
  element.textContent = text;
  return element;
}

/** Text people wrote (messages, names): its own direction, so Hebrew or Arabic reads right. */
function peopleText(tag: string, className: string, text: string): HTMLElement {
  const element = textElement(tag, className, text);
  element.dir = "auto";
  return element;
}

/** Local time of a message, with the date when it is not today. */
export function formatLocalTime(date: Date, now = new Date()): string {
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === now.toDateString()) return time;
  return `${date.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}`;
}

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
  let rows = new Map<string, HTMLLIElement>();
  /**
   * The current chat's button is scrolled into view (on a phone the list is a sideways
   * strip) when the chat or the number of chats changed, not on every unread count.
   */
  let revealed = "";
  /** Counts the offline indicator's "retrying in N s" down. */
  let countdown: ReturnType<typeof setInterval> | undefined;

  function fillRow(row: HTMLLIElement, entry: TimelineEntry, ownName: string) {
    const sender = entry.kind === "message" ? entry.message.sender : entry.pending.sender;
    const text = entry.kind === "message" ? entry.message.text : entry.pending.text;
    const when = entry.kind === "message"
      ? new Date(entry.message.dateTime)
      : new Date(entry.pending.queuedAtMs);
    const failure = entry.kind === "pending" ? entry.pending.failure : undefined;
    const waiting = entry.kind === "pending" && entry.pending.messageId === undefined &&
      failure === undefined;
    const state = entry.kind === "message"
      ? "confirmed"
      : failure !== undefined
      ? "failed"
      : waiting
      ? "pending"
      : "acknowledged";
    if (row.dataset.state === state && row.dataset.own === String(sender === ownName)) return;
    row.dataset.state = state;
    row.dataset.own = String(sender === ownName);
    if (entry.kind === "message") row.dataset.messageId = entry.message.messageId;
    row.className = [
      sender === ownName ? "own" : "",
      waiting ? "pending" : "",
      failure !== undefined ? "failed" : "",
    ].join(" ").trim();
    const time = textElement("time", "time", formatLocalTime(when));
    time.setAttribute("datetime", when.toISOString());
    time.title = when.toLocaleString();
    const meta = textElement("div", "meta", "");
    meta.append(peopleText("span", "sender", sender), time);
    if (waiting) {
      const mark = textElement("span", "status-mark", "◷ unconfirmed");
      mark.title = "Not yet confirmed by the server";
      meta.append(mark);
    } else if (failure !== undefined) {
      const mark = textElement("span", "status-mark failed", "✕ not delivered");
      mark.title = failure;
      meta.append(mark);
    }
    row.replaceChildren(meta, peopleText("div", "text", text));
  }

  return {
    elements,

    renderConnection(connection: ConnectionState) {
      if (connection.kind === "idle") return;
      clearInterval(countdown);
      const state = connection.kind === "closed" ? "offline" : connection.kind;
      elements.connection.dataset.state = state;
      // Who is online is only known while connected: the last list stays, greyed out.
      elements.people.dataset.stale = String(state !== "online");
      if (connection.kind === "offline") {
        const retryAt = Date.now() + connection.retryInMs;
        const tick = () => {
          const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
          elements.connection.textContent = `offline · retrying in ${seconds} s`;
        };
        tick();
        countdown = setInterval(tick, 250);
        elements.connection.title = connection.url ?? connection.reason;
      } else if (connection.kind === "closed") {
        elements.connection.textContent = "offline";
      } else {
        elements.connection.textContent = connection.kind === "online"
          ? `online · node ${connection.nodeId}`
          : `connecting to ${new URL(connection.url).host}…`;
        elements.connection.title = connection.url;
      }
    },

    renderChatList(items: ChatListItem[], currentChatId: number, onPick: (chatId: number) => void) {
      const buttons = items.map((item) => {
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.chatId = String(item.chatId);
        if (item.chatId === currentChatId) button.setAttribute("aria-current", "true");
        button.append(peopleText("span", "chat-name", item.name));
        button.title = item.name;
        if (item.unread > 0) {
          const badge = textElement("span", "unread", String(item.unread));
          badge.setAttribute("aria-label", `${item.unread} new`);
          button.append(badge);
        }
        button.addEventListener("click", () => onPick(item.chatId));
        const li = document.createElement("li");
        li.append(button);
        return li;
      });
      // A redraw must not take the keyboard focus away from the chat button it was on.
      const focused = document.activeElement instanceof HTMLElement &&
          elements.chatList.contains(document.activeElement)
        ? document.activeElement.dataset.chatId
        : undefined;
      elements.chatList.replaceChildren(...buttons);
      if (focused !== undefined) {
        elements.chatList.querySelector<HTMLButtonElement>(`button[data-chat-id="${focused}"]`)
          ?.focus({ preventScroll: true });
      }
      const reveal = `${currentChatId}/${items.length}`;
      if (reveal !== revealed) {
        revealed = reveal;
        elements.chatList.querySelector('[aria-current="true"]')
          ?.scrollIntoView({ block: "nearest", inline: "nearest" });
      }
    },

    renderTitle(name: string) {
      elements.chatTitle.textContent = name;
      document.title = `${name} · DSatter`;
    },

    /** Draws the rows; keeps the view at the bottom when it was there, else where it was. */
    renderTimeline(entries: TimelineEntry[], ownName: string, reset: boolean) {
      const scroller = elements.scroller;
      const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
      const viewTop = scroller.getBoundingClientRect().top;
      const anchor = reset || atBottom
        ? undefined
        : [...rows.values()].find((row) => row.getBoundingClientRect().bottom > viewTop);
      const anchorOffset = anchor ? anchor.getBoundingClientRect().top - viewTop : 0;
      const next = new Map<string, HTMLLIElement>();
      let cursor: ChildNode | null = elements.timeline.firstChild;
      for (const entry of entries) {
        if (next.has(entry.key)) continue;
        const row = (reset ? undefined : rows.get(entry.key)) ?? document.createElement("li");
        row.dataset.key = entry.key;
        fillRow(row, entry, ownName);
        next.set(entry.key, row);
        if (row === cursor) cursor = cursor.nextSibling;
        else elements.timeline.insertBefore(row, cursor);
      }
      while (cursor) {
        const stale: ChildNode = cursor;
        cursor = cursor.nextSibling;
        stale.remove();
      }
      rows = next;
      if (reset || atBottom) {
        scroller.scrollTop = scroller.scrollHeight;
      } else if (anchor?.isConnected) {
        scroller.scrollTop += anchor.getBoundingClientRect().top - viewTop - anchorOffset;
      }
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
