import { describe, expect, test } from "bun:test";
import { CatchUpBaton } from "./catch_up_baton.ts";

describe("CatchUpBaton", () => {
  test("CatchUpBaton lets one owner hold it until that owner releases", () => {
    const baton = new CatchUpBaton();
    const first = {};
    const second = {};
    expect(baton.take(first)).toBe(true);
    expect(baton.take(first)).toBe(true);
    expect(baton.take(second)).toBe(false);
    baton.release(second); // not the holder: nothing happens
    expect(baton.heldBy(first)).toBe(true);
    baton.release(first);
    expect(baton.take(second)).toBe(true);
  });

  test("CatchUpBaton tells listeners only when a release follows contention", () => {
    const baton = new CatchUpBaton();
    const first = {};
    const second = {};
    let calls = 0;
    baton.onReleasedAfterContention(() => calls++);
    baton.take(first);
    baton.release(first);
    expect(calls).toBe(0);
    baton.take(first);
    baton.take(second);
    baton.release(first);
    expect(calls).toBe(1);
    baton.take(second);
    baton.release(second);
    expect(calls).toBe(1);
  });
});
