/**
 * Which words of a search result to mark: a word matches when it begins with
 * one of the query's words, ignoring case and accents ("cafe" marks "Café"),
 * the rule the nodes search by. Also cuts a long text to a snippet around the
 * first match. Pure, for the search panel.
 *
 * Invariant: the pieces joined give back the snippet exactly; only whole
 * words are ever marked.
 * @module
 */

export interface HighlightPiece {
  text: string;
  match: boolean;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower case without accents: how words are compared. */
export function foldWord(word: string): string {
  return word.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** The query's words, folded. */
export function queryTerms(query: string): string[] {
  return [...query.matchAll(WORD)].map((match) => foldWord(match[0])).filter(Boolean);
}

/** A window of about maxChars around the first match, with `…` where it was cut. */
export function snippet(text: string, terms: readonly string[], maxChars = 160): string {
  const chars = [...text];
  if (chars.length <= maxChars) return text;
  let first = 0;
  for (const match of text.matchAll(WORD)) {
    if (terms.some((term) => foldWord(match[0]).startsWith(term))) {
      first = [...text.slice(0, match.index)].length;
      break;
    }
  }
  const start = Math.max(0, Math.min(first - Math.floor(maxChars / 3), chars.length - maxChars));
  const end = Math.min(chars.length, start + maxChars);
  return `${start > 0 ? "…" : ""}${chars.slice(start, end).join("")}${
    end < chars.length ? "…" : ""
  }`;
}

/** The text in pieces, the words that match the terms marked. */
export function highlightPieces(text: string, terms: readonly string[]): HighlightPiece[] {
  const pieces: HighlightPiece[] = [];
  let last = 0;
  for (const match of text.matchAll(WORD)) {
    const folded = foldWord(match[0]);
    if (!terms.some((term) => folded.startsWith(term))) continue;
    if (match.index > last) pieces.push({ text: text.slice(last, match.index), match: false });
    pieces.push({ text: match[0], match: true });
    last = match.index + match[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last), match: false });
  return pieces;
}
