/**
 * The search box and its results panel: Enter in `Search messages` asks the
 * node (section 7 `search`, over every chat this person can read), the panel
 * lists the matches newest first (chat, sender, day and time, the text with
 * the matching words marked), `More results` pages on, and a click on a
 * result opens its chat at that message.
 *
 * Invariant: only the answer to the latest query is shown (an older answer
 * arriving late is dropped); result text reaches the DOM as text only.
 * @module
 */

import type { ChatMessage } from "../../../sdk/mod.ts";
import type { PageElements } from "./chat_view.ts";
import { peopleText, textElement } from "./dom_text.ts";
import { dayLabel, fullDateTime, timeOfDay } from "./local_time.ts";
import { parseMarkup, plainText } from "./message_markup.ts";
import { highlightPieces, queryTerms, snippet } from "./search_highlight.ts";

export interface SearchPage {
  messages: ChatMessage[];
  more: boolean;
  before?: string;
}

export interface PageSearchContext {
  elements: PageElements;
  search(query: string, before?: string): Promise<SearchPage>;
  chatName(chatId: number): string;
  /** Opens the chat at the message. */
  open(chatId: number, messageId: string): void;
}

export function wireSearch(context: PageSearchContext): void {
  const { elements } = context;
  let query = "";
  let asked = 0;
  let next: string | undefined;

  async function ask(before?: string) {
    const id = ++asked;
    elements.searchMore.hidden = true;
    if (!before) {
      elements.searchList.replaceChildren();
      elements.searchSummary.textContent = "Searching…";
    }
    try {
      const page = await context.search(query, before);
      if (id !== asked) return;
      const terms = queryTerms(query);
      elements.searchList.append(...page.messages.map((m) => resultItem(context, m, terms)));
      next = page.more ? page.before : undefined;
      elements.searchMore.hidden = next === undefined;
      const count = elements.searchList.childElementCount;
      elements.searchSummary.textContent = count === 0
        ? `No messages match “${query}”.`
        : `${count}${next ? "+" : ""} ${
          count === 1 ? "message matches" : "messages match"
        } “${query}”`;
    } catch (error) {
      if (id === asked) elements.searchSummary.textContent = (error as Error).message;
    }
  }

  elements.searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    query = elements.search.value.trim();
    if (query === "") return close();
    elements.searchResults.hidden = false;
    document.body.dataset.panel = "search";
    void ask();
  });
  elements.searchMore.addEventListener("click", () => void ask(next));
  const close = () => {
    asked += 1;
    elements.searchResults.hidden = true;
    delete document.body.dataset.panel;
  };
  elements.searchClose.addEventListener("click", () => {
    close();
    elements.search.focus();
  });
  elements.search.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      elements.search.value = "";
      close();
    }
  });
}

function resultItem(
  context: PageSearchContext,
  message: ChatMessage,
  terms: readonly string[],
): HTMLLIElement {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "search-hit";
  button.dataset.chatId = String(message.chatId);
  button.dataset.messageId = message.messageId;
  const when = new Date(message.dateTime);
  const meta = textElement("span", "hit-meta", "");
  const time = textElement("time", "", `${dayLabel(when)}, ${timeOfDay(when)}`);
  time.setAttribute("datetime", message.dateTime);
  time.title = fullDateTime(when);
  meta.append(
    peopleText("span", "hit-chat", context.chatName(message.chatId)),
    peopleText("span", "hit-sender", message.sender),
    time,
  );
  const text = peopleText("span", "hit-text", "");
  const readable = plainText(parseMarkup(message.text)); // what the timeline shows, no ** or `
  for (const piece of highlightPieces(snippet(readable, terms), terms)) {
    text.append(piece.match ? textElement("mark", "", piece.text) : piece.text);
  }
  button.append(meta, text);
  button.addEventListener("click", () => context.open(message.chatId, message.messageId));
  const item = document.createElement("li");
  item.append(button);
  return item;
}
