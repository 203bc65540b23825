import { expect, test } from "bun:test";
import { mentions } from "./mention.ts";

test("mentions() finds a name as a whole word, with or without @, in any case", () => {
  for (const text of ["ann", "hi ann!", "@Ann can you look", "ANN: ping", "(ann)"]) {
    expect(mentions(text, "ann")).toBe(true);
  }
  for (const text of ["annie", "joann", "an n", "ann_b", "", "banner"]) {
    expect(mentions(text, "ann")).toBe(false);
  }
  expect(mentions("thanks, Zoë.", "zoë")).toBe(true);
  expect(mentions("hello a.b", "a.b")).toBe(true);
  expect(mentions("hello axb", "a.b")).toBe(false);
  expect(mentions("anything", "  ")).toBe(false);
  expect(mentions("hi guest-1a2b (and [x]+)", "guest-1a2b")).toBe(true);
  expect(mentions("[x]+ here", "[x]+")).toBe(true);
});
