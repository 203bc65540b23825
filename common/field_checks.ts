/**
 * The field checks every edge validator shares (client frames, REST bodies and
 * queries): strings counted in characters and refused with a lone surrogate,
 * chat ids, message ids, and the `Parsed` failure value with the contract's code.
 *
 * Invariant: a check returns either the typed value or a `bad_frame` (unless
 * told otherwise) ProtocolError whose message names the field; none throws.
 * @module
 */

import { decodeMessageId } from "./message_id.ts";
import type { Parsed, ProtocolError } from "./protocol.ts";

export { isBoundedString, isIntAtLeast, isRecord } from "./value_checks.ts";

/** A failed check as a value. */
export function fail(message: string, code: ProtocolError["code"] = "bad_frame") {
  return { ok: false as const, error: { code, message } };
}

/** Length in characters (code points), cheap when the UTF-16 length already decides. */
export function charLength(text: string): number {
  if (text.length <= 1) return text.length;
  let surrogates = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) surrogates++;
  }
  return text.length - surrogates;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * False when text holds a lone UTF-16 surrogate: such a string has no UTF-8 form,
 * so SQLite and every JSON encoder downstream would store and send it changed
 * (U+FFFD), and two different ids could become one.
 */
export function isWellFormedText(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(text) : !LONE_SURROGATE.test(text);
}

/** A string of 1..maxChars characters, well formed. */
export function checkString(value: unknown, field: string, maxChars: number): Parsed<string> {
  if (typeof value !== "string") return fail(`${field} must be a string`);
  if (!isWellFormedText(value)) {
    return fail(`${field} must be valid Unicode text: it holds a lone surrogate`);
  }
  const length = charLength(value);
  if (length < 1 || length > maxChars) {
    return fail(`${field} must be 1..${maxChars} characters, got ${length}`);
  }
  return { ok: true, value };
}

/** A chat id: a safe integer >= 0. */
export function isChatId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

export function checkChatId(value: unknown, field = "chatId"): Parsed<number> {
  return isChatId(value) ? { ok: true, value } : fail(`${field} must be an integer >= 0`);
}

/** A messageId string (digits that decode to a node id and a seq). */
export function checkMessageId(value: unknown, field = "messageId"): Parsed<string> {
  if (typeof value !== "string" || !decodeMessageId(value)) {
    return fail(`${field} must be a messageId string`);
  }
  return { ok: true, value };
}

/** An optional integer 1..max; undefined stays undefined. */
export function checkOptionalLimit(
  value: unknown,
  max: number,
  field = "limit",
): Parsed<number | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    return fail(`${field} must be an integer 1..${max}`);
  }
  return { ok: true, value };
}
