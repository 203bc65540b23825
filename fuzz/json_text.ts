/**
 * JSON text for the fuzzers: values that JSON.stringify cannot write (-0, 1e999,
 * integers past 2^53, deep nesting written as text) as raw tokens, and
 * mutations of the text itself (truncation, stray characters, duplicate keys).
 *
 * Invariant: toJsonText() writes every value but RawJson exactly as
 * JSON.stringify would, and every RawJson token verbatim.
 * @module
 */

import type { SeededRandom } from "../chaos/seeded_random.ts";

/** A piece of JSON text inserted as is. */
export class RawJson {
  constructor(readonly text: string) {}
}

const PLACEHOLDER = /"\\u0000raw(\d+)\\u0000"/g;

/** JSON text of a value that may hold RawJson tokens anywhere. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, item) => {
    if (item instanceof RawJson) {
      raws.push(item.text);
      return `\u0000raw${raws.length - 1}\u0000`;
    }
    return item;
  });
  if (text === undefined) return "";
  return raws.length === 0 ? text : text.replace(PLACEHOLDER, (_, index) => raws[Number(index)]);
}

/** Nested arrays or objects `depth` levels deep, as text. */
export function deepNesting(depth: number, kind: "array" | "object"): RawJson {
  if (kind === "array") return new RawJson("[".repeat(depth) + "]".repeat(depth));
  return new RawJson('{"a":'.repeat(depth) + "0" + "}".repeat(depth));
}

const STRAY = [
  '"',
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  "\\",
  "\u0000",
  "\n",
  "x",
  "0",
  "-",
  " ",
  "\u00e9",
];

/** One change to JSON text; the result may or may not be JSON (the oracle decides). */
export function mutateJsonText(text: string, random: SeededRandom): string {
  const at = random.int(0, Math.max(0, text.length - 1));
  switch (random.int(0, 8)) {
    case 0: // a strict prefix
      return text.slice(0, random.int(0, Math.max(0, text.length - 1)));
    case 1: // a character replaced
      return text.slice(0, at) + random.pick(STRAY) + text.slice(at + 1);
    case 2: // a character inserted
      return text.slice(0, at) + random.pick(STRAY) + text.slice(at);
    case 3: // a character removed
      return text.slice(0, at) + text.slice(at + 1);
    case 4: // trailing garbage
      return text + random.pick(["}", "]", ",", " x", "{}", "\u0000", "null"]);
    case 5: // a byte order mark or whitespace in front
      return random.pick(["\ufeff", " \n\t", "\u00a0"]) + text;
    case 6: // a key repeated: the last one wins in JSON.parse
      return text.startsWith("{") ? `{"type":"hello","payload":1,` + text.slice(1) : text + "}";
    case 7: // single quotes instead of double
      return text.replaceAll('"', "'");
    default: // comments are not JSON
      return `/*c*/${text}`;
  }
}

/** Printable ASCII noise of up to maxChars (mostly not JSON). */
export function noiseText(random: SeededRandom, maxChars: number): string {
  const length = random.int(0, maxChars);
  let text = "";
  for (let i = 0; i < length; i++) text += String.fromCharCode(random.int(0x20, 0x7e));
  return text;
}
