/**
 * What each row of the timeline shows, decided before any drawing: whose it
 * is, its state (confirmed, pending, acknowledged, refused), whether it opens
 * a new day (a day separator above it), whether it continues the group of the
 * row above (same sender, same day, a few minutes apart: no name and time
 * repeated, as Slack and Element show it), and whether it mentions the reader.
 * Pure, so the grouping rules are tested without a browser.
 *
 * Invariant: the first row, and the first row of each day, is never
 * `continued`; a row after a deleted message starts a new group.
 * @module
 */

import type { TimelineEntry } from "../../../sdk/mod.ts";
import { mentions } from "../../../sdk/mentions.ts";

/** Messages of one sender this close together form one group. */
export const GROUP_GAP_MS = 5 * 60_000;

export type RowState = "confirmed" | "failed" | "pending" | "acknowledged";

export interface TimelineRow {
  entry: TimelineEntry;
  key: string;
  sender: string;
  text: string;
  atMs: number;
  state: RowState;
  own: boolean;
  /** The local day key, when this row is the first of its day. */
  startsDay?: string;
  continued: boolean;
  mentionsMe: boolean;
  messageId?: string;
  editedAt?: string;
  deleted: boolean;
}

export interface TimelineRowsOptions {
  ownName: string;
  /** The local day of a moment (local_time.ts localDayKey). */
  dayOf(atMs: number): string;
}

function rowState(entry: TimelineEntry): RowState {
  if (entry.kind === "message") return "confirmed";
  if (entry.pending.failure !== undefined) return "failed";
  return entry.pending.messageId === undefined ? "pending" : "acknowledged";
}

/** The rows for a chat's entries, top to bottom. */
export function timelineRows(
  entries: readonly TimelineEntry[],
  options: TimelineRowsOptions,
): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let previous: TimelineRow | undefined;
  let previousDay: string | undefined;
  for (const entry of entries) {
    const message = entry.kind === "message" ? entry.message : undefined;
    const { sender, text } = entry.kind === "message" ? entry.message : entry.pending;
    const atMs = message
      ? Date.parse(message.dateTime)
      : (entry.kind === "pending" ? entry.pending.queuedAtMs : 0);
    const day = options.dayOf(atMs);
    const deleted = message?.deleted === true;
    const row: TimelineRow = {
      entry,
      key: entry.key,
      sender,
      text,
      atMs,
      state: rowState(entry),
      own: sender === options.ownName,
      continued: previous !== undefined && day === previousDay && !previous.deleted &&
        !deleted && previous.sender === sender && atMs - previous.atMs < GROUP_GAP_MS &&
        atMs >= previous.atMs,
      mentionsMe: !deleted && sender !== options.ownName && mentions(text, options.ownName),
      deleted,
    };
    if (day !== previousDay) row.startsDay = day;
    if (message) row.messageId = message.messageId;
    if (message?.editedAt !== undefined) row.editedAt = message.editedAt;
    rows.push(row);
    previous = row;
    previousDay = day;
  }
  return rows;
}

/** The newest own message that can still be edited (the Up arrow's target). */
export function lastEditableOwn(rows: readonly TimelineRow[]): TimelineRow | undefined {
  for (let index = rows.length - 1; index >= 0; index--) {
    const row = rows[index];
    if (row.own && row.state === "confirmed" && !row.deleted) return row;
  }
  return undefined;
}
