/**
 * Request bodies for the HTTP fuzzers: a valid JSON body, mutated by schema or
 * as text, with invalid UTF-8, just over the size limit, empty, or noise. Each
 * comes with what the server can make of it (the JSON value, or why none).
 *
 * Invariant: `value` is what JSON.parse gives for exactly `bytes` when they are
 * UTF-8, so the oracle judges what is sent.
 * @module
 */

import { mutateJsonText, noiseText, toJsonText } from "./json_text.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";
import { mutateValue, nastyValue } from "./value_generation.ts";
import type { Schema } from "./value_schema.ts";

export type BodyValue =
  /** `lenient`: a byte order mark in front, which RFC 8259 lets a parser ignore or refuse. */
  | { kind: "json"; value: unknown; lenient?: boolean }
  | { kind: "not json" | "not utf-8" | "too large" };

export interface FuzzBody {
  label: string;
  bytes: Uint8Array;
  value: BodyValue;
}

const encoder = new TextEncoder();
const BAD_UTF8 = [
  [0xff],
  [0xc3, 0x28],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
];

function judge(text: string): BodyValue {
  if (text.startsWith("\ufeff")) {
    const rest = judge(text.slice(1));
    return rest.kind === "json" ? { ...rest, lenient: true } : rest;
  }
  try {
    return { kind: "json", value: JSON.parse(text) };
  } catch {
    return { kind: "not json" };
  }
}

function fromText(label: string, text: string, maxBytes: number): FuzzBody {
  const sent = text.toWellFormed();
  const bytes = encoder.encode(sent);
  return { label, bytes, value: bytes.length > maxBytes ? { kind: "too large" } : judge(sent) };
}

/** A body built from `base` (valid under `schema`); maxBytes is the server's body limit. */
export function fuzzBody(
  base: Record<string, unknown>,
  schema: Schema,
  random: SeededRandom,
  maxBytes: number,
): FuzzBody {
  const roll = random.next();
  if (roll < 0.2) return fromText("valid", toJsonText(base), maxBytes);
  if (roll < 0.7) {
    return fromText("mutated", toJsonText(mutateValue(base, schema, random)), maxBytes);
  }
  if (roll < 0.85) {
    return fromText("text-mutated", mutateJsonText(toJsonText(base), random), maxBytes);
  }
  if (roll < 0.9) {
    const json = toJsonText(base);
    const text = encoder.encode(json);
    // Inside the first string value (`":"` then the value's quote), else after the first byte.
    const at = json.indexOf('":"') >= 0
      ? encoder.encode(json.slice(0, json.indexOf('":"') + 3)).length
      : 1;
    const bytes = Uint8Array.from([
      ...text.subarray(0, at),
      ...random.pick(BAD_UTF8),
      ...text.subarray(at),
    ]);
    return { label: "invalid UTF-8", bytes, value: { kind: "not utf-8" } };
  }
  if (roll < 0.93) {
    const over = random.pick([1, 100, maxBytes]);
    return fromText("over the size limit", toJsonText(base).padEnd(maxBytes + over, " "), maxBytes);
  }
  if (roll < 0.95) {
    return fromText("at the size limit", toJsonText(base).padEnd(maxBytes, " "), maxBytes);
  }
  if (roll < 0.97) return fromText("nasty value", toJsonText(nastyValue(random)), maxBytes);
  return fromText(
    "empty or noise",
    random.chance(0.5) ? random.pick(["", " ", "null", "[]"]) : noiseText(random, 100),
    maxBytes,
  );
}
