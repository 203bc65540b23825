/**
 * How many terminal columns text takes, per user-perceived character (grapheme
 * cluster, `Intl.Segmenter`): East Asian wide and fullwidth characters and emoji
 * take two (widths from the Unicode data in `get-east-asian-width`), combining
 * marks and other zero-width characters none, everything else one. An emoji
 * sequence counts once: `❤️` (U+2764 U+FE0F) is two columns, a family joined with
 * ZWJ is two, a flag is two. The footer and the line editor measure with it, so a
 * line of CJK or emoji never wraps there.
 *
 * Invariant: textColumns(text) is the sum of graphemeColumns over graphemes(text).
 * @module
 */

import { eastAsianWidth } from "get-east-asian-width";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** A cluster that starts with one of these takes no column of its own. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}\u1160-\u11ff\ufe00-\ufe0f]/u;
/** Asks for emoji presentation: the cluster is drawn as a (two-column) emoji. */
const EMOJI_PRESENTATION = "\ufe0f";
const ZERO_WIDTH_JOINER = "\u200d";
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const REGIONAL_INDICATOR_PAIR = /^\p{Regional_Indicator}{2}$/u;

/** The user-perceived characters of text, in order. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (part) => part.segment);
}

/** Columns of one grapheme cluster (0, 1 or 2). */
export function graphemeColumns(grapheme: string): number {
  const codePoint = grapheme.codePointAt(0);
  if (codePoint === undefined) return 0;
  if (codePoint < 0x300 && grapheme.length === 1) {
    return codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0) ? 0 : 1; // Latin fast path
  }
  if (ZERO_WIDTH.test(grapheme)) return 0;
  if (grapheme.includes(EMOJI_PRESENTATION)) return 2;
  if (grapheme.includes(ZERO_WIDTH_JOINER) && PICTOGRAPHIC.test(grapheme)) return 2;
  if (REGIONAL_INDICATOR_PAIR.test(grapheme)) return 2;
  return eastAsianWidth(codePoint, { ambiguousAsWide: false });
}

/** Columns of plain text (no escape sequences). */
export function textColumns(text: string): number {
  let columns = 0;
  for (const { segment } of segmenter.segment(text)) columns += graphemeColumns(segment);
  return columns;
}
