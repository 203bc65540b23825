/**
 * Editing one's own message in place: a text area holding the text, Enter
 * saves (Shift+Enter is a new line), Escape or `Cancel` gives up; and the
 * actions a row offers (edit, delete with a confirmation).
 *
 * Invariant: a save that the node refuses leaves the editor open with the
 * text as typed and the reason said; nothing typed is lost.
 * @module
 */

import { Limits } from "../../../common/protocol.ts";
import { textElement } from "./dom_text.ts";

/** What rows ask of the page. */
export interface RowActions {
  /** Opens the editor on this message. */
  edit(messageId: string): void;
  /** Asks to confirm the delete of this message. */
  askDelete(messageId: string): void;
  /** Saves an edit; rejects with the reason when the node refuses. */
  saveEdit(messageId: string, text: string): Promise<void>;
  /** Deletes for good (after the confirmation). */
  confirmDelete(messageId: string): Promise<void>;
  /** Closes the editor or the confirmation. */
  cancel(): void;
}

export function messageEditor(messageId: string, text: string, actions: RowActions): HTMLElement {
  const form = document.createElement("form");
  form.className = "edit-form";
  const field = document.createElement("textarea");
  field.value = text;
  field.rows = 1;
  field.dir = "auto";
  field.setAttribute("aria-label", "Edit message");
  const save = textElement("button", "", "Save") as HTMLButtonElement;
  save.type = "submit";
  const cancel = textElement("button", "secondary", "Cancel") as HTMLButtonElement;
  cancel.type = "button";
  cancel.addEventListener("click", () => actions.cancel());
  const problem = textElement("span", "edit-problem", "");
  problem.setAttribute("role", "alert");
  const hint = textElement("span", "edit-hint", "Enter to save · Esc to cancel");
  const buttons = textElement("div", "edit-buttons", "");
  buttons.append(hint, problem, cancel, save);
  form.append(field, buttons);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = field.value;
    if (next.trim() === "") return actions.askDelete(messageId);
    if (next === text) return actions.cancel();
    if ([...next].length > Limits.textMaxChars) {
      problem.textContent = `Too long: at most ${Limits.textMaxChars} characters`;
      return;
    }
    save.disabled = true;
    actions.saveEdit(messageId, next).catch((error: Error) => {
      save.disabled = false;
      problem.textContent = error.message;
    });
  });
  field.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      actions.cancel();
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  queueMicrotask(() => {
    field.focus({ preventScroll: true });
    field.setSelectionRange(field.value.length, field.value.length);
  });
  return form;
}
