/**
 * A synthetic chat corpus for the search bench: a vocabulary of pronounceable
 * words whose use follows Zipf's law (a few very common words, a long tail of
 * rare ones; the common ones short, as in real languages), a share of them
 * written with accents, messages of 2..24 words
 * over chats that are themselves Zipf-popular, and the query mix users type
 * (common and rare words, two words, prefixes, accent-free forms, one chat).
 * Seeded: the same seed gives the same corpus and queries.
 *
 * Invariant: pure apart from the seed; every query has at least one term.
 * @module
 */

/** A small fast seeded PRNG (mulberry32): numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ONSETS = [
  "",
  "b",
  "br",
  "c",
  "ch",
  "d",
  "f",
  "g",
  "gr",
  "k",
  "l",
  "m",
  "n",
  "p",
  "pl",
  "r",
  "s",
  "st",
  "t",
  "tr",
  "v",
  "z",
];
const VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou"];
const CODAS = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st"];
const ACCENTED: Record<string, string> = { a: "à", e: "é", i: "î", o: "ô", u: "ü" };

/** Samples ranks 0..n-1 by Zipf's law with exponent s, by inverse CDF over a table. */
export function zipfSampler(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let rank = 0; rank < n; rank++) cdf[rank] = total += 1 / Math.pow(rank + 1, s);
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cdf[mid] < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

export interface Corpus {
  /** Plain forms, by popularity rank. */
  words: string[];
  /** How each word is written in messages (accented for some). */
  written: string[];
  message(): { text: string; chatId: number };
  query(): { q: string; chatId?: number };
}

export function createCorpus(options: { seed: number; vocabulary: number; chats: number }): Corpus {
  const random = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const seen = new Set<string>();
  while (seen.size < options.vocabulary) {
    let word = "";
    const syllables = 1 + Math.floor(random() * 3.2);
    for (let i = 0; i < syllables; i++) word += pick(ONSETS) + pick(VOWELS) + pick(CODAS);
    if (word.length >= 2) seen.add(word);
  }
  // Zipf's law of abbreviation: the most used words are the shortest (as in any language).
  const words = [...seen].sort((a, b) => a.length - b.length);
  const written = words.map((word) =>
    random() < 0.05 ? word.replace(/[aeiou]/, (v) => ACCENTED[v]) : word
  );
  const wordRank = zipfSampler(words.length, 1.07, random);
  const chatRank = zipfSampler(options.chats, 1.2, random);
  return {
    words,
    written,
    message() {
      const count = 2 + Math.floor(random() * 23);
      const parts: string[] = [];
      for (let i = 0; i < count; i++) {
        const w = written[wordRank()];
        parts.push(i === 0 ? w[0].toUpperCase() + w.slice(1) : w);
      }
      return { text: parts.join(" ") + (random() < 0.3 ? "?" : "."), chatId: 1 + chatRank() };
    },
    query() {
      const kind = random();
      const common = () => words[wordRank()];
      const rare = () => words[words.length / 2 + Math.floor(random() * (words.length / 2))];
      if (kind < 0.35) return { q: common() };
      if (kind < 0.55) return { q: rare() };
      if (kind < 0.75) return { q: `${common()} ${common()}` };
      if (kind < 0.9) {
        const word = common();
        return {
          q: word.slice(0, Math.max(2, Math.min(word.length, 2 + Math.floor(random() * 3)))),
        };
      }
      return { q: common(), chatId: 1 + chatRank() };
    },
  };
}
