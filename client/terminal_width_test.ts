import { test } from "node:test";
import assert from "node:assert/strict";
import { graphemeColumns, graphemes, textColumns } from "./terminal_width.ts";

test("graphemeColumns() gives two to CJK, fullwidth and emoji, none to combining marks", () => {
  const cases: Array<[string, number]> = [
    ["a", 1],
    ["é", 1],
    ["漢", 2],
    ["你", 2],
    ["ア", 2],
    ["한", 2],
    ["Ａ", 2], // fullwidth A
    ["😀", 2],
    ["🚀", 2],
    ["\u0301", 0], // a combining acute with nothing to sit on
    ["\u200d", 0], // zero-width joiner
    ["\ufe0f", 0], // variation selector
    ["\u200b", 0], // zero-width space
    ["ש", 1],
    ["→", 1],
    ["", 0],
  ];
  for (const [text, columns] of cases) {
    assert.equal(graphemeColumns(text), columns, JSON.stringify(text));
  }
});

test("graphemeColumns() counts an emoji sequence once, as two columns", () => {
  const cases: Array<[string, string, number]> = [
    ["❤️ (U+2764 U+FE0F)", "\u2764\ufe0f", 2],
    ["❤ without the emoji selector", "\u2764", 1],
    ["family (man ZWJ woman ZWJ girl ZWJ boy)", "👨\u200d👩\u200d👧\u200d👦", 2],
    ["thumbs up, skin tone", "👍🏽", 2],
    ["flag (two regional indicators)", "🇫🇷", 2],
    ["keycap 1", "1\ufe0f\u20e3", 2],
    ["rainbow flag", "🏳️\u200d🌈", 2],
  ];
  for (const [name, text, columns] of cases) {
    assert.equal(graphemes(text).length, 1, name);
    assert.equal(graphemeColumns(text), columns, name);
  }
});

test("textColumns() adds up graphemes", () => {
  assert.equal(textColumns("[chat 11] ann> "), 15);
  assert.equal(textColumns("漢字漢字ab"), 10);
  assert.equal(textColumns("😀".repeat(14)), 28);
  assert.equal(textColumns("e\u0301"), 1);
  assert.equal(textColumns("I \u2764\ufe0f it"), 7);
  assert.equal(textColumns("👨\u200d👩\u200d👧 ok"), 5);
  assert.equal(textColumns("\u1100\u1161\u11a8"), 2); // one Hangul syllable from jamo
  assert.equal(textColumns(""), 0);
});

test("graphemes() splits text into user-perceived characters", () => {
  assert.deepEqual(graphemes("ae\u0301❤️👨\u200d👩\u200d👧"), [
    "a",
    "e\u0301",
    "❤️",
    "👨\u200d👩\u200d👧",
  ]);
});
