/**
 * The message timeline of the chat shown: one `<li>` per row key, confirmed
 * messages and own pending sends (dashed, "◷ unconfirmed"; "✕ not delivered"
 * when refused), sender and local time above the text.
 *
 * Invariant: one element per row key, only moved or added, so a re-render
 * neither flickers nor loses the reader's scroll position; a row is redrawn
 * only when its state or its ownership changed.
 * @module
 */

import type { TimelineEntry } from "../../../sdk/mod.ts";
import { formatLocalTime, peopleText, textElement } from "./dom_text.ts";

export interface TimelineView {
  /** Draws the rows; keeps the view at the bottom when it was there, else where it was. */
  render(entries: TimelineEntry[], ownName: string, reset: boolean): void;
}

export function createTimelineView(scroller: HTMLElement, list: HTMLElement): TimelineView {
  let rows = new Map<string, HTMLLIElement>();
  return {
    render(entries, ownName, reset) {
      const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
      const viewTop = scroller.getBoundingClientRect().top;
      const anchor = reset || atBottom
        ? undefined
        : [...rows.values()].find((row) => row.getBoundingClientRect().bottom > viewTop);
      const anchorOffset = anchor ? anchor.getBoundingClientRect().top - viewTop : 0;
      const next = new Map<string, HTMLLIElement>();
      let cursor: ChildNode | null = list.firstChild;
      for (const entry of entries) {
        if (next.has(entry.key)) continue;
        const row = (reset ? undefined : rows.get(entry.key)) ?? document.createElement("li");
        row.dataset.key = entry.key;
        fillRow(row, entry, ownName);
        next.set(entry.key, row);
        if (row === cursor) cursor = cursor.nextSibling;
        else list.insertBefore(row, cursor);
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
  };
}

type RowState = "confirmed" | "failed" | "pending" | "acknowledged";

function rowState(entry: TimelineEntry): RowState {
  if (entry.kind === "message") return "confirmed";
  if (entry.pending.failure !== undefined) return "failed";
  return entry.pending.messageId === undefined ? "pending" : "acknowledged";
}

function fillRow(row: HTMLLIElement, entry: TimelineEntry, ownName: string): void {
  const { sender, text } = entry.kind === "message" ? entry.message : entry.pending;
  const when = entry.kind === "message"
    ? new Date(entry.message.dateTime)
    : new Date(entry.pending.queuedAtMs);
  const state = rowState(entry);
  const own = String(sender === ownName);
  if (row.dataset.state === state && row.dataset.own === own) return;
  row.dataset.state = state;
  row.dataset.own = own;
  if (entry.kind === "message") row.dataset.messageId = entry.message.messageId;
  row.className = [
    sender === ownName ? "own" : "",
    state === "pending" ? "pending" : "",
    state === "failed" ? "failed" : "",
  ].join(" ").trim();
  const time = textElement("time", "time", formatLocalTime(when));
  time.setAttribute("datetime", when.toISOString());
  time.title = when.toLocaleString();
  const meta = textElement("div", "meta", "");
  meta.append(peopleText("span", "sender", sender), time);
  if (state === "pending") {
    const mark = textElement("span", "status-mark", "◷ unconfirmed");
    mark.title = "Not yet confirmed by the server";
    meta.append(mark);
  } else if (entry.kind === "pending" && entry.pending.failure !== undefined) {
    const mark = textElement("span", "status-mark failed", "✕ not delivered");
    mark.title = entry.pending.failure;
    meta.append(mark);
  }
  row.replaceChildren(meta, peopleText("div", "text", text));
}
