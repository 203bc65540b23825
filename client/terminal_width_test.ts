import { test } from "node:test";
import assert from "node:assert/strict";
import { charColumns, textColumns } from "./terminal_width.ts";

test("charColumns() gives two to CJK and emoji, none to combining marks", () => {
  assert.equal(charColumns("a"), 1);
  assert.equal(charColumns("é"), 1);
  assert.equal(charColumns("漢"), 2);
  assert.equal(charColumns("你"), 2);
  assert.equal(charColumns("ア"), 2);
  assert.equal(charColumns("한"), 2);
  assert.equal(charColumns("Ａ"), 2); // fullwidth A
  assert.equal(charColumns("😀"), 2);
  assert.equal(charColumns("🚀"), 2);
  assert.equal(charColumns("\u0301"), 0); // combining acute
  assert.equal(charColumns("\u200d"), 0); // zero-width joiner
  assert.equal(charColumns("\ufe0f"), 0); // variation selector
  assert.equal(charColumns("ש"), 1);
  assert.equal(charColumns("→"), 1);
});

test("textColumns() adds them up", () => {
  assert.equal(textColumns("[chat 11] ann> "), 15);
  assert.equal(textColumns("漢字漢字ab"), 10);
  assert.equal(textColumns("😀".repeat(14)), 28);
  assert.equal(textColumns("e\u0301"), 1);
  assert.equal(textColumns(""), 0);
});
