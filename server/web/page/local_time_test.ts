import { expect, test } from "bun:test";
import { dayLabel, fullDateTime, localDayKey, timeOfDay } from "./local_time.ts";

const now = new Date(2025, 5, 4, 15, 30); // Wednesday, June 4 2025, local time

test("timeOfDay() writes the time as the locale does", () => {
  const date = new Date(2025, 5, 4, 9, 5);
  expect(timeOfDay(date, { locale: "en-US" })).toMatch(/^9:05\sAM$/);
  expect(timeOfDay(date, { locale: "de-DE" })).toBe("09:05");
});

test("dayLabel() says today, yesterday, then the date, with the year when not this one", () => {
  expect(dayLabel(new Date(2025, 5, 4, 0, 1), { locale: "en-US", now })).toBe("Today");
  expect(dayLabel(new Date(2025, 5, 3, 23, 59), { locale: "en-US", now })).toBe("Yesterday");
  expect(dayLabel(new Date(2025, 5, 3, 12), { locale: "fr-FR", now })).toBe("Hier");
  expect(dayLabel(new Date(2025, 5, 2, 12), { locale: "en-US", now })).toBe("Monday, June 2");
  expect(dayLabel(new Date(2024, 11, 31, 12), { locale: "en-US", now }))
    .toBe("Tuesday, December 31, 2024");
});

test("localDayKey() names the local day; fullDateTime() has date and time", () => {
  expect(localDayKey(new Date(2025, 0, 9, 23, 59))).toBe("2025-01-09");
  expect(fullDateTime(now, { locale: "en-US" })).toContain("June 4, 2025");
});
