import { describe, expect, test } from "bun:test";
import { isDiskFull, StorageGuard, StorageRefusedError } from "./storage_guard.ts";

function sqliteFull(): Error {
  return Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL", errno: 13 });
}

describe("isDiskFull()", () => {
  test("isDiskFull() finds SQLITE_FULL or ENOSPC in the error or its causes", () => {
    const cases: Array<[string, unknown, boolean]> = [
      ["SQLite's error", sqliteFull(), true],
      ["a wrapped one", new Error("Cannot commit 3 writes", { cause: sqliteFull() }), true],
      ["ENOSPC", Object.assign(new Error("no space"), { code: "ENOSPC" }), true],
      ["an I/O error", Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR" }), false],
      ["not an error", "full", false],
      ["nothing", undefined, false],
    ];
    for (const [name, error, expected] of cases) {
      expect({ name, full: isDiskFull(error) }).toEqual({ name, full: expected });
    }
  });
});

describe("StorageGuard", () => {
  test("refusal() is null while commits succeed", () => {
    const guard = new StorageGuard({ clock: { nowMs: () => 0 } });
    expect(guard.refusal()).toBeNull();
    expect(guard.succeeded()).toBe(false);
  });

  test("failed() refuses writes with storage_full until the backoff has passed, then lets one try", () => {
    let now = 1000;
    const guard = new StorageGuard({
      clock: { nowMs: () => now },
      backoff: { baseMs: 100, maxMs: 400, random: () => 0.5 },
    });
    const waitMs = guard.failed(new Error("Cannot commit", { cause: sqliteFull() }));
    expect(waitMs).toBe(75);
    const refusal = guard.refusal();
    expect(refusal).toBeInstanceOf(StorageRefusedError);
    expect(refusal?.code).toBe("storage_full");
    expect(refusal?.message).toContain("disk is full");
    now += waitMs;
    expect(guard.refusal()).toBeNull();
  });

  test("failed() in a row waits longer, up to the cap, and succeeded() ends it", () => {
    let now = 0;
    const guard = new StorageGuard({
      clock: { nowMs: () => now },
      backoff: { baseMs: 100, maxMs: 400, random: () => 0.999 },
    });
    const waits = Array.from({ length: 5 }, () => guard.failed(sqliteFull()));
    expect(waits).toEqual([100, 200, 400, 400, 400]);
    expect(guard.failures).toBe(5);
    now = 10;
    expect(guard.refusal()).not.toBeNull();
    expect(guard.succeeded()).toBe(true);
    expect(guard.refusal()).toBeNull();
    expect(guard.failures).toBe(0);
  });

  test("explain() turns a failed write's raw error into the refusal, also after the backoff", () => {
    let now = 0;
    const guard = new StorageGuard({ clock: { nowMs: () => now } });
    const raw = new Error("Cannot commit 1 writes", { cause: sqliteFull() });
    expect(guard.explain(raw)).toBe(raw);
    guard.failed(raw);
    now += 60_000;
    expect(guard.refusal()).toBeNull();
    expect((guard.explain(raw) as StorageRefusedError).code).toBe("storage_full");
    guard.succeeded();
    expect(guard.explain(raw)).toBe(raw);
  });

  test("failed() with another cause refuses with unavailable", () => {
    const guard = new StorageGuard({ clock: { nowMs: () => 0 } });
    guard.failed(Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR" }));
    expect(guard.refusal()?.code).toBe("unavailable");
  });
});
