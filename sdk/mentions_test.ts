import { test } from "node:test";
import assert from "node:assert/strict";
import { mentions } from "./mentions.ts";

test("mentions() finds a name as a whole word, with or without @, in any case", () => {
  for (const text of ["ann", "hi ann!", "@Ann can you look", "ANN: ping", "(ann)"]) {
    assert.equal(mentions(text, "ann"), true);
  }
  for (const text of ["annie", "joann", "an n", "ann_b", "", "banner"]) {
    assert.equal(mentions(text, "ann"), false);
  }
  assert.equal(mentions("thanks, Zoë.", "zoë"), true);
  assert.equal(mentions("hello a.b", "a.b"), true);
  assert.equal(mentions("hello axb", "a.b"), false);
  assert.equal(mentions("anything", "  "), false);
  assert.equal(mentions("hi guest-1a2b (and [x]+)", "guest-1a2b"), true);
  assert.equal(mentions("[x]+ here", "[x]+"), true);
});
