import { expect, test } from "bun:test";
import { highlightPieces, queryTerms, snippet } from "./search_highlight.ts";

test("highlightPieces() marks whole words that begin with a query word, any case or accent", () => {
  const terms = queryTerms("CAFE ber");
  expect(terms).toEqual(["cafe", "ber"]);
  expect(highlightPieces("Un café à Berlin, caféine!", terms)).toEqual([
    { text: "Un ", match: false },
    { text: "café", match: true },
    { text: " à ", match: false },
    { text: "Berlin", match: true },
    { text: ", ", match: false },
    { text: "caféine", match: true },
    { text: "!", match: false },
  ]);
  expect(highlightPieces("nothing here", terms)).toEqual([{ text: "nothing here", match: false }]);
});

test("snippet() cuts a long text around the first match", () => {
  const text = `${"a ".repeat(200)}needle ${"b ".repeat(200)}`;
  const cut = snippet(text, ["needle"], 60);
  expect(cut.startsWith("…")).toBe(true);
  expect(cut.endsWith("…")).toBe(true);
  expect(cut).toContain("needle");
  expect(snippet("short", ["x"])).toBe("short");
});
