/**
 * The composer, `Message`: a text area that grows with its text; Enter sends,
 * Shift+Enter starts a new line (as in Slack and Element), `Send` sends too;
 * the Up arrow in an empty composer edits one's last message; typing tells the
 * chat's readers (the client sends that at most every few seconds).
 *
 * Invariant: a text longer than the nodes take is refused in place (counted
 * in characters, as the nodes count), never cut; after a send the focus is
 * back in the composer and the view at the newest message.
 * @module
 */

import { Limits } from "../../../common/protocol.ts";
import type { PageControlsContext } from "./page_controls.ts";

/** Key presses that send (Enter alone, not while an input method composes). */
function isSendKey(event: KeyboardEvent): boolean {
  return event.key === "Enter" && !event.shiftKey && !event.altKey && !event.ctrlKey &&
    !event.metaKey && !event.isComposing;
}

export function wireComposer(context: PageControlsContext): void {
  const { view, client, state, render } = context;
  const { composer, message, name } = view.elements;
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
    setTimeout(() => view.timeline.scrollToBottom(), 0);
  });
  message.addEventListener("keydown", (event) => {
    if (isSendKey(event)) {
      event.preventDefault();
      composer.requestSubmit();
    } else if (event.key === "ArrowUp" && message.value === "" && !event.shiftKey) {
      if (context.editLastOwn()) event.preventDefault();
    }
  });
  message.addEventListener("input", () => {
    message.setCustomValidity("");
    if (message.value.trim() !== "") context.typing();
  });
}
