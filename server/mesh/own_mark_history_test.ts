import { expect, test } from "bun:test";
import { OwnMarkHistory } from "./own_mark_history.ts";

test("the cap is the newest mark old enough, taken after the link was registered", () => {
  const marks = new OwnMarkHistory();
  expect(marks.capFor(0, 10_000)).toBeUndefined(); // nothing recorded yet
  marks.record(1000, 10);
  marks.record(4000, 50);
  marks.record(7000, 90);
  // At 8000 with 1 s to settle: the mark of 7000 is too recent, the one of 4000 serves.
  expect(marks.capFor(0, 7000 - 1)).toBe(50);
  expect(marks.capFor(0, 7000)).toBe(90);
  // A link registered at 5000 saw live only what came after it: the mark of 4000 is no cap.
  expect(marks.capFor(5000, 6999)).toBeUndefined();
  expect(marks.capFor(5000, 7000)).toBe(90);
});

test("only the last few marks are kept", () => {
  const marks = new OwnMarkHistory(2);
  marks.record(1000, 1);
  marks.record(2000, 2);
  marks.record(3000, 3);
  expect(marks.capFor(0, 1500)).toBeUndefined(); // the mark of 1000 is gone
  expect(marks.capFor(0, 2500)).toBe(2);
});
