import { expect, test } from "bun:test";
import type { TimelineEntry } from "../../../sdk/mod.ts";
import { testMessage } from "../../../sdk/testing/test_message.ts";
import { lastEditableOwn, timelineRows } from "./timeline_rows.ts";

const dayOf = (atMs: number) => new Date(atMs).toISOString().slice(0, 10);

function message(seq: number, sender: string, dateTime: string, extra = {}): TimelineEntry {
  const m = { ...testMessage(1, seq, { sender, dateTime }), ...extra };
  return { kind: "message", key: `id:${m.messageId}`, message: m };
}

test("timelineRows() groups one sender's messages close in time, per day", () => {
  const rows = timelineRows([
    message(1, "ann", "2025-06-03T23:58:00.000Z"),
    message(2, "ann", "2025-06-04T00:01:00.000Z"), // a new day
    message(3, "ann", "2025-06-04T00:02:00.000Z"),
    message(4, "bob", "2025-06-04T00:03:00.000Z"),
    message(5, "ann", "2025-06-04T00:04:00.000Z"),
    message(6, "ann", "2025-06-04T00:20:00.000Z"), // too long after
  ], { ownName: "ann", dayOf });
  expect(rows.map((row) => row.continued)).toEqual([false, false, true, false, false, false]);
  expect(rows.map((row) => row.startsDay)).toEqual([
    "2025-06-03",
    "2025-06-04",
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  expect(rows.map((row) => row.own)).toEqual([true, true, true, false, true, true]);
});

test("timelineRows() marks mentions of the reader, pending states and deletes", () => {
  const pending: TimelineEntry = {
    kind: "pending",
    key: "own:x",
    pending: { clientMsgId: "x", chatId: 1, sender: "ann", text: "hi", queuedAtMs: Date.now() },
  };
  const rows = timelineRows([
    message(1, "bob", "2025-06-04T10:00:00.000Z", { text: "@ann look" }),
    message(2, "ann", "2025-06-04T10:01:00.000Z", { editedAt: "2025-06-04T10:02:00.000Z" }),
    message(3, "ann", "2025-06-04T10:01:30.000Z", { deleted: true, text: "" }),
    message(4, "ann", "2025-06-04T10:01:40.000Z"),
    pending,
  ], { ownName: "ann", dayOf });
  expect(rows.map((row) => row.mentionsMe)).toEqual([true, false, false, false, false]);
  expect(rows.map((row) => row.state)).toEqual([
    "confirmed",
    "confirmed",
    "confirmed",
    "confirmed",
    "pending",
  ]);
  expect(rows[1].editedAt).toBe("2025-06-04T10:02:00.000Z");
  expect(rows.map((row) => row.continued)).toEqual([false, false, false, false, false]);
  expect(lastEditableOwn(rows)?.messageId).toBe(rows[3].messageId);
});
