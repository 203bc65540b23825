/**
 * Search input as terms: a user's query becomes a list of folded words (case
 * and accents removed, split where SQLite FTS5's unicode61 tokenizer splits:
 * at anything but letters, digits and private-use characters), each matching
 * a whole word or, when long enough, any word it begins. The same folding
 * decides matches in the memory store, so both stores answer alike.
 *
 * Invariant: a term holds only letters, digits and private-use characters,
 * so no query can carry FTS syntax (quotes, operators, column filters) through.
 * @module
 */

/** Terms past this many are ignored (each costs an index lookup). */
export const SEARCH_TERMS_MAX = 16;

/** A term shorter than this matches whole words only: a one-letter prefix matches too much. */
export const SEARCH_PREFIX_MIN_CHARS = 2;

export interface SearchTerm {
  /** Folded: lower case, no diacritics. */
  word: string;
  /** True when it also matches words it begins. */
  prefix: boolean;
}

const SEPARATORS = /[^\p{L}\p{N}\p{Co}]+/u;
const MARKS = /\p{M}/gu;

/** Lower case without diacritics ("Café" -> "cafe"), as unicode61 remove_diacritics 2 does. */
export function foldText(text: string): string {
  return text.normalize("NFD").replace(MARKS, "").toLowerCase();
}

/** The folded words of a text, in order. */
export function wordsOf(text: string): string[] {
  return foldText(text).split(SEPARATORS).filter((word) => word.length > 0);
}

/** The terms of a query: at most SEARCH_TERMS_MAX distinct words; [] when it has none. */
export function searchTermsOf(query: string): SearchTerm[] {
  const words = [...new Set(wordsOf(query))].slice(0, SEARCH_TERMS_MAX);
  return words.map((word) => ({ word, prefix: [...word].length >= SEARCH_PREFIX_MIN_CHARS }));
}

/** True when every term matches some word of the text (the memory store's search). */
export function textMatches(text: string, terms: readonly SearchTerm[]): boolean {
  if (terms.length === 0) return false;
  const words = wordsOf(text);
  return terms.every((term) =>
    words.some((word) => term.prefix ? word.startsWith(term.word) : word === term.word)
  );
}
