import { test } from "node:test";
import assert from "node:assert/strict";
import { foldText, SEARCH_TERMS_MAX, searchTermsOf, textMatches } from "./search_terms.ts";

test("foldText() drops case and diacritics", () => {
  const cases: Array<[string, string]> = [
    ["Café", "cafe"],
    ["CAFE\u0301", "cafe"],
    ["Zürich Ærø naïve", "zurich ærø naive"],
    ["ÉCOLE", "ecole"],
  ];
  for (const [input, folded] of cases) assert.equal(foldText(input), folded);
});

test("searchTermsOf() keeps only word characters, so FTS syntax cannot pass", () => {
  const cases: Array<[string, string[]]> = [
    ["cafe", ["cafe"]],
    ['"a" OR b* NEAR(c) text:d -e ^f', ["a", "or", "b", "near", "c", "text", "d", "e", "f"]],
    ["  ,.;!  ", []],
    ["Café café CAFE", ["cafe"]],
    ["it's 42", ["it", "s", "42"]],
  ];
  for (const [query, words] of cases) {
    assert.deepEqual(searchTermsOf(query).map((t) => t.word), words, query);
  }
  const many = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ");
  assert.equal(searchTermsOf(many).length, SEARCH_TERMS_MAX);
});

test("textMatches() finds whole words and prefixes, case- and accent-insensitive", () => {
  const text = "Un Café au lait, s'il vous plaît";
  const cases: Array<[string, boolean]> = [
    ["cafe", true],
    ["CAFÉ", true],
    ["caf", true],
    ["lait cafe", true],
    ["plait", true],
    ["afe", false],
    ["cafe tea", false],
    ["!!!", false],
    ["u", false], // one letter: whole words only
    ["un", true],
  ];
  for (const [query, expected] of cases) {
    assert.equal(textMatches(text, searchTermsOf(query)), expected, query);
  }
});
