/**
 * Renaming the chat shown, for its creator (an extension of the protocol,
 * docs/SERVER.md): `Rename` beside the chat's name opens a small form in its
 * place; Enter saves, Escape or `Cancel` gives up. Everyone's page shows the
 * new name when the node's `chatRenamed` arrives.
 *
 * Invariant: the button shows only on chats the node says this person created
 * (their name as the chat's creator); a refusal is said in the form.
 * @module
 */

import type { DSatterClient } from "../../../sdk/mod.ts";
import type { PageElements } from "./chat_view.ts";
import type { PageState } from "./page_state.ts";

export interface PageRename {
  /** Shows or hides `Rename` for the chat shown. */
  render(): void;
}

export function wireRename(
  elements: PageElements,
  client: DSatterClient,
  state: PageState,
): PageRename {
  const { renameButton, renameForm, renameInput, renameCancel, chatTitle } = elements;
  const chatOf = () => client.chats().find((chat) => chat.chatId === state.currentChatId);
  const close = () => {
    renameForm.hidden = true;
    chatTitle.hidden = false;
    renameInput.setCustomValidity("");
    render();
  };
  function render() {
    const mine = state.badAddress === undefined && chatOf()?.creator === state.myName;
    renameButton.hidden = !mine || !renameForm.hidden;
    if (!mine && !renameForm.hidden) close();
  }
  renameButton.addEventListener("click", () => {
    renameInput.value = chatOf()?.name ?? "";
    renameForm.hidden = false;
    chatTitle.hidden = true;
    renameButton.hidden = true;
    renameInput.focus();
    renameInput.select();
  });
  renameCancel.addEventListener("click", close);
  renameInput.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  renameInput.addEventListener("input", () => renameInput.setCustomValidity(""));
  renameForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = renameInput.value.trim();
    if (name === "" || name === chatOf()?.name) return close();
    client.renameChat(state.currentChatId, name).then(close, (error: Error) => {
      renameInput.setCustomValidity(error.message);
      renameInput.reportValidity();
    });
  });
  return { render };
}
