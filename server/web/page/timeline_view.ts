/**
 * The message timeline of the chat shown: one `<li>` per row key (confirmed
 * messages and own pending sends, drawn by message_row.ts), the scroll
 * position kept where the reader is, a "jump to latest" cue counting what
 * arrived below while they read further up, and revealing one message (a
 * search result) in the middle of the view, briefly highlighted.
 *
 * Invariant: one element per row key, only moved or added, so a re-render
 * neither flickers nor loses the reader's scroll position; the view follows
 * new messages only when it was at the bottom.
 * @module
 */

import type { TimelineEntry } from "../../../sdk/mod.ts";
import { localDayKey } from "./local_time.ts";
import { fillMessageRow, type RowActions, type RowModes } from "./message_row.ts";
import { timelineRows } from "./timeline_rows.ts";

export interface TimelineView {
  /** Draws the rows; keeps the view at the bottom when it was there, else where it was. */
  render(entries: TimelineEntry[], ownName: string, modes: RowModes, reset: boolean): void;
  /** Scrolls a message into the middle of the view and marks it for a moment. */
  reveal(messageId: string): boolean;
  scrollToBottom(): void;
}

const AT_BOTTOM_PX = 40;
const HIGHLIGHT_MS = 2500;

export function createTimelineView(
  scroller: HTMLElement,
  list: HTMLElement,
  jumpButton: HTMLButtonElement,
  actions: RowActions,
): TimelineView {
  let rows = new Map<string, HTMLLIElement>();
  let newBelow = 0;
  const atBottom = () =>
    scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < AT_BOTTOM_PX;
  const showCue = () => {
    jumpButton.hidden = newBelow === 0;
    jumpButton.textContent = newBelow === 1
      ? "1 new message ↓"
      : newBelow > 1
      ? `${newBelow} new messages ↓`
      : "Jump to latest";
  };
  const scrollToBottom = () => {
    scroller.scrollTop = scroller.scrollHeight;
    newBelow = 0;
    showCue();
  };
  scroller.addEventListener("scroll", () => {
    if (newBelow > 0 && atBottom()) {
      newBelow = 0;
      showCue();
    }
  }, { passive: true });
  jumpButton.addEventListener("click", scrollToBottom);

  return {
    render(entries, ownName, modes, reset) {
      const wasAtBottom = atBottom();
      const viewTop = scroller.getBoundingClientRect().top;
      const anchor = reset || wasAtBottom
        ? undefined
        : [...rows.values()].find((row) => row.getBoundingClientRect().bottom > viewTop);
      const anchorOffset = anchor ? anchor.getBoundingClientRect().top - viewTop : 0;
      const lastKey = [...rows.keys()].at(-1);
      const drawn = drawRows(list, reset ? new Map() : rows, lastKey, {
        entries,
        ownName,
        modes,
        actions,
      });
      rows = drawn.rows;
      if (reset || wasAtBottom) {
        scrollToBottom();
        return;
      }
      if (anchor?.isConnected) {
        scroller.scrollTop += anchor.getBoundingClientRect().top - viewTop - anchorOffset;
      }
      if (drawn.arrivedBelow > 0 && lastKey !== undefined) {
        newBelow += drawn.arrivedBelow;
        showCue();
      }
    },

    reveal(messageId) {
      const row = list.querySelector<HTMLLIElement>(
        `li[data-message-id="${CSS.escape(messageId)}"]`,
      );
      if (!row) return false;
      row.scrollIntoView({ block: "center" });
      row.classList.add("highlight");
      setTimeout(() => row.classList.remove("highlight"), HIGHLIGHT_MS);
      return true;
    },

    scrollToBottom,
  };
}

interface RowsToDraw {
  entries: TimelineEntry[];
  ownName: string;
  modes: RowModes;
  actions: RowActions;
}

/**
 * Brings `list` to the rows of `entries`, reusing the element of every key it
 * already shows (in `known`) and removing the rest; counts the rows of others
 * that arrived after `lastKey`, the last row shown before.
 */
function drawRows(
  list: HTMLElement,
  known: Map<string, HTMLLIElement>,
  lastKey: string | undefined,
  { entries, ownName, modes, actions }: RowsToDraw,
): { rows: Map<string, HTMLLIElement>; arrivedBelow: number } {
  const rows = new Map<string, HTMLLIElement>();
  let cursor: ChildNode | null = list.firstChild;
  let arrivedBelow = 0;
  let pastLast = lastKey === undefined;
  const dayOf = (atMs: number) => localDayKey(new Date(atMs));
  for (const row of timelineRows(entries, { ownName, dayOf })) {
    if (rows.has(row.key)) continue;
    const element = known.get(row.key);
    if (!element && pastLast && !row.own) arrivedBelow += 1;
    if (row.key === lastKey) pastLast = true;
    const drawn = element ?? document.createElement("li");
    drawn.dataset.key = row.key;
    fillMessageRow(drawn, row, modes, actions);
    rows.set(row.key, drawn);
    if (drawn === cursor) cursor = cursor.nextSibling;
    else list.insertBefore(drawn, cursor);
  }
  while (cursor) {
    const stale: ChildNode = cursor;
    cursor = cursor.nextSibling;
    stale.remove();
  }
  return { rows, arrivedBelow };
}
