/**
 * One message row of the timeline, drawn from its TimelineRow: a day separator
 * when it opens a day, the sender's initial (or, in a group, the time on
 * hover), sender and local time, the text (safe markdown), `(edited)`, the
 * pending marks, and for one's own messages the Edit and Delete actions, the
 * in-place editor and the delete confirmation.
 *
 * Invariant: network text reaches the DOM only as text (peopleText,
 * renderMessageBody); a row is redrawn only when what it shows changed (its
 * signature), so an open editor keeps what is being typed.
 * @module
 */

import { peopleText, textElement } from "./dom_text.ts";
import { dayLabel, fullDateTime, timeOfDay } from "./local_time.ts";
import { renderMessageBody } from "./message_body.ts";
import { messageEditor, type RowActions } from "./message_editor.ts";
import type { TimelineRow } from "./timeline_rows.ts";

export type { RowActions } from "./message_editor.ts";

/** What the person is doing to messages now. */
export interface RowModes {
  editing?: string;
  confirmingDelete?: string;
}

const HUES = 10;

/** The same name gets the same avatar colour on every page. */
export function hueOf(name: string): number {
  let hash = 2166136261; // FNV-1a, then a final mix so short names spread over the hues
  for (const char of name) hash = Math.imul(hash ^ char.codePointAt(0)!, 16777619);
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 2246822507);
  hash ^= hash >>> 13;
  return (hash >>> 0) % HUES;
}

function signature(row: TimelineRow, modes: RowModes, day: string): string {
  const id = row.messageId;
  return JSON.stringify([
    id,
    row.state,
    row.own,
    row.continued,
    day,
    row.mentionsMe,
    row.text,
    row.editedAt,
    row.deleted,
    id !== undefined && modes.editing === id,
    id !== undefined && modes.confirmingDelete === id,
  ]);
}

/** Draws row into element unless it already shows it. */
export function fillMessageRow(
  element: HTMLLIElement,
  row: TimelineRow,
  modes: RowModes,
  actions: RowActions,
): void {
  const day = row.startsDay === undefined ? "" : dayLabel(new Date(row.atMs));
  const sig = signature(row, modes, day);
  if (element.dataset.sig === sig) return;
  element.dataset.sig = sig;
  element.dataset.state = row.state;
  element.dataset.own = String(row.own);
  if (row.messageId !== undefined) element.dataset.messageId = row.messageId;
  const classes = ["message", row.own ? "own" : "", row.continued ? "continued" : ""];
  if (row.state === "pending") classes.push("pending");
  if (row.state === "failed") classes.push("failed");
  if (row.mentionsMe) classes.push("mention");
  if (row.deleted) classes.push("deleted");
  element.className = classes.filter(Boolean).join(" ");

  const parts: HTMLElement[] = [];
  if (day !== "") parts.push(dayDivider(day));
  parts.push(gutter(row), body(row, modes, actions));
  const editing = row.messageId !== undefined && modes.editing === row.messageId;
  if (row.own && row.state === "confirmed" && !row.deleted && !editing) {
    parts.push(rowActions(row.messageId!, actions));
  }
  element.replaceChildren(...parts);
}

function dayDivider(label: string): HTMLElement {
  const divider = document.createElement("div");
  divider.className = "day-divider";
  divider.setAttribute("role", "separator");
  divider.setAttribute("aria-label", label);
  divider.append(textElement("span", "", label));
  return divider;
}

function timeElement(className: string, row: TimelineRow): HTMLElement {
  const when = new Date(row.atMs);
  const time = textElement("time", className, timeOfDay(when));
  time.setAttribute("datetime", when.toISOString());
  time.title = fullDateTime(when);
  return time;
}

function gutter(row: TimelineRow): HTMLElement {
  if (row.continued) {
    const time = timeElement("gutter-time", row);
    time.setAttribute("aria-hidden", "true");
    return time;
  }
  const avatar = textElement("div", `avatar hue-${hueOf(row.sender)}`, initialOf(row.sender));
  avatar.setAttribute("aria-hidden", "true");
  return avatar;
}

function initialOf(name: string): string {
  const first = [...name.trim()][0] ?? "?";
  return first.toLocaleUpperCase();
}

function body(row: TimelineRow, modes: RowModes, actions: RowActions): HTMLElement {
  const element = textElement("div", "body", "");
  const meta = textElement("div", row.continued ? "meta visually-hidden" : "meta", "");
  meta.append(peopleText("span", "sender", row.sender), timeElement("time", row));
  element.append(meta);
  if (row.messageId !== undefined && modes.editing === row.messageId) {
    element.append(messageEditor(row.messageId, row.text, actions));
    return element;
  }
  const text = peopleText("div", "text", "");
  renderMessageBody(text, row.text);
  element.append(text);
  if (row.deleted) element.append(textElement("span", "deleted-mark", "Message deleted"));
  if (row.editedAt !== undefined && !row.deleted) {
    const mark = textElement("span", "edited-mark", "(edited)");
    mark.title = `Edited ${fullDateTime(new Date(row.editedAt))}`;
    element.append(mark);
  }
  const status = statusMark(row);
  if (status) element.append(status);
  if (row.messageId !== undefined && modes.confirmingDelete === row.messageId) {
    element.append(deleteConfirmation(row.messageId, actions));
  }
  return element;
}

function statusMark(row: TimelineRow): HTMLElement | undefined {
  if (row.state === "pending") {
    const mark = textElement("span", "status-mark", "◷ unconfirmed");
    mark.title = "Not yet confirmed by the server";
    return mark;
  }
  if (row.state === "failed" && row.entry.kind === "pending") {
    const mark = textElement("span", "status-mark failed", "✕ not delivered");
    mark.title = row.entry.pending.failure ?? "";
    return mark;
  }
  return undefined;
}

function actionButton(label: string, text: string, onClick: () => void): HTMLButtonElement {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "action";
  button.textContent = text;
  button.setAttribute("aria-label", label);
  button.title = label;
  button.addEventListener("click", onClick);
  return button;
}

function rowActions(messageId: string, actions: RowActions): HTMLElement {
  const group = textElement("div", "actions", "");
  group.append(
    actionButton("Edit message", "Edit", () => actions.edit(messageId)),
    actionButton("Delete message", "Delete", () => actions.askDelete(messageId)),
  );
  return group;
}

function deleteConfirmation(messageId: string, actions: RowActions): HTMLElement {
  const box = textElement("div", "confirm-delete", "");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Delete this message?");
  const question = textElement("span", "", "Delete this message for everyone?");
  const yes = textElement("button", "danger", "Delete") as HTMLButtonElement;
  yes.type = "button";
  yes.addEventListener("click", () => void actions.confirmDelete(messageId));
  const no = textElement("button", "secondary", "Cancel") as HTMLButtonElement;
  no.type = "button";
  no.addEventListener("click", () => actions.cancel());
  box.append(question, yes, no);
  queueMicrotask(() => no.focus({ preventScroll: true }));
  return box;
}
