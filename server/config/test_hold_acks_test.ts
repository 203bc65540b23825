import { expect, test } from "bun:test";
import { holdAcksFromEnv } from "./test_hold_acks.ts";

const envOf = (value?: string) => (name: string) =>
  name === "DSATTER_TEST_HOLD_ACKS" ? value : undefined;

test("holdAcksFromEnv() is off unless set to 1, and refused in production or malformed", () => {
  expect(holdAcksFromEnv(envOf(), false)).toEqual({ ok: true, hold: false });
  expect(holdAcksFromEnv(envOf(""), true)).toEqual({ ok: true, hold: false });
  expect(holdAcksFromEnv(envOf("0"), false)).toEqual({ ok: true, hold: false });
  expect(holdAcksFromEnv(envOf("1"), false)).toEqual({ ok: true, hold: true });
  expect(holdAcksFromEnv(envOf("1"), true)).toMatchObject({ ok: false });
  expect(holdAcksFromEnv(envOf("yes"), false)).toMatchObject({
    ok: false,
    error: expect.stringContaining("must be 0 or 1"),
  });
});
