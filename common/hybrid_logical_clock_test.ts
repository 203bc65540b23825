import { test } from "node:test";
import assert from "node:assert/strict";
import { compareCanonical } from "./canonical_order.ts";
import {
  createHybridLogicalClock,
  isContractDateTime,
  LOGICAL_COUNTER_MAX,
  parseDateTimeMs,
  type Stamp,
} from "./hybrid_logical_clock.ts";

function fakeWall(start: number) {
  let t = start;
  return { read: () => t, set: (v: number) => (t = v) };
}
const after = (a: Stamp, b: Stamp) =>
  compareCanonical({ ...a, nodeId: 0, seq: 0 }, { ...b, nodeId: 0, seq: 0 }) > 0;

test("now() never goes backwards when the wall clock jumps back", () => {
  const wall = fakeWall(Date.UTC(2026, 0, 1));
  const clock = createHybridLogicalClock({ clock: { nowMs: wall.read } });
  let prev = clock.now();
  for (const t of [0, 5, -10_000, -10_000, 3, 1_000_000, 999_999, 1_000_000]) {
    wall.set(Date.UTC(2026, 0, 1) + t);
    const next = clock.now();
    assert.ok(after(next, prev), `${JSON.stringify(next)} after ${JSON.stringify(prev)}`);
    prev = next;
  }
});

test("now() uses the wall clock and resets lc when time moves on", () => {
  const wall = fakeWall(Date.UTC(2026, 0, 1, 12));
  const clock = createHybridLogicalClock({ clock: { nowMs: wall.read } });
  assert.deepEqual(clock.now(), { dateTime: "2026-01-01T12:00:00.000Z", lc: 0 });
  assert.deepEqual(clock.now(), { dateTime: "2026-01-01T12:00:00.000Z", lc: 1 });
  wall.set(Date.UTC(2026, 0, 1, 12) + 7);
  assert.deepEqual(clock.now(), { dateTime: "2026-01-01T12:00:00.007Z", lc: 0 });
});

test("observe() makes the next stamp sort after a remote one from the future", () => {
  const wall = fakeWall(Date.UTC(2026, 0, 1));
  const clock = createHybridLogicalClock({ clock: { nowMs: wall.read } });
  const remote = { dateTime: "2026-01-01T00:00:05.000Z", lc: 3 };
  clock.observe(remote);
  const reply = clock.now();
  assert.ok(after(reply, remote));
  assert.deepEqual(reply, { dateTime: "2026-01-01T00:00:05.000Z", lc: 4 });
});

test("observe() of an older stamp changes nothing", () => {
  const wall = fakeWall(Date.UTC(2026, 0, 1));
  const clock = createHybridLogicalClock({ clock: { nowMs: wall.read } });
  const mine = clock.now();
  clock.observe({ dateTime: "2025-01-01T00:00:00.000Z", lc: 99 });
  assert.deepEqual(clock.last(), mine);
});

test("createHybridLogicalClock() resumes after a restart from its initial stamp", () => {
  const initial = { dateTime: "2030-01-01T00:00:00.000Z", lc: 2 };
  const clock = createHybridLogicalClock({ clock: { nowMs: () => Date.UTC(2026, 0, 1) }, initial });
  assert.ok(after(clock.now(), initial));
});

test("parseDateTimeMs() accepts only the contract's shape", () => {
  assert.equal(parseDateTimeMs("2026-01-01T00:00:00.000Z"), Date.UTC(2026, 0, 1));
  for (
    const bad of [
      "2026-01-01",
      "2026-01-01T00:00:00Z",
      "x",
      "2026-01-01T00:00:00.000+01:00",
      "2026-13-01T00:00:00.000Z",
      "2026-02-30T10:00:00.000Z",
      "2026-01-01T24:00:00.000Z",
      "2026-01-01T23:60:00.000Z",
    ]
  ) {
    assert.ok(Number.isNaN(parseDateTimeMs(bad)), bad);
  }
});

test("now() keeps lc at most LOGICAL_COUNTER_MAX: past it, the physical part moves on by 1 ms", () => {
  const wallMs = Date.UTC(2026, 0, 1);
  const clock = createHybridLogicalClock({ clock: { nowMs: () => wallMs } });
  clock.observe({ dateTime: new Date(wallMs).toISOString(), lc: LOGICAL_COUNTER_MAX });
  const next = clock.now();
  assert.deepEqual(next, { dateTime: new Date(wallMs + 1).toISOString(), lc: 0 });
  assert.ok(after(next, { dateTime: new Date(wallMs).toISOString(), lc: LOGICAL_COUNTER_MAX }));
});

test("observe() ignores a stamp whose lc is past LOGICAL_COUNTER_MAX or whose dateTime is no instant", () => {
  const wallMs = Date.UTC(2026, 0, 1);
  const clock = createHybridLogicalClock({ clock: { nowMs: () => wallMs } });
  clock.observe({ dateTime: new Date(wallMs + 5).toISOString(), lc: Number.MAX_SAFE_INTEGER });
  clock.observe({ dateTime: "2999-02-30T00:00:00.000Z", lc: 0 });
  const next = clock.now();
  assert.ok(Number.isSafeInteger(next.lc) && next.lc <= LOGICAL_COUNTER_MAX);
  assert.equal(next.dateTime < "2027", true);
});

test("isContractDateTime() knows month lengths and leap years, without a Date", () => {
  for (
    const good of [
      "2024-02-29T00:00:00.000Z",
      "2000-02-29T23:59:59.999Z",
      "2026-12-31T00:00:00.000Z",
    ]
  ) {
    assert.equal(isContractDateTime(good), true, good);
    assert.equal(parseDateTimeMs(good), Date.parse(good), good);
  }
  for (
    const bad of [
      "2026-02-29T00:00:00.000Z",
      "1900-02-29T00:00:00.000Z",
      "2026-04-31T00:00:00.000Z",
      "2026-00-10T00:00:00.000Z",
      "2026-01-00T00:00:00.000Z",
      5,
    ]
  ) {
    assert.equal(isContractDateTime(bad), false, String(bad));
  }
});
