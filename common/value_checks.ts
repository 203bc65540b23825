/**
 * The small type guards every parser at the edge uses (client frames, peer
 * frames, server frames in the clients, messages): one copy, so "an integer
 * >= 0" or "a bounded string" means the same everywhere.
 *
 * Invariant: each guard is total (never throws) and narrows only when the value
 * has exactly the type it names.
 * @module
 */

import { charLength, isWellFormedText } from "./field_checks.ts";

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A safe integer at or above min. */
export function isIntAtLeast(value: unknown, min: number): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= min;
}

/** A string of 1..maxChars characters (code points) of valid Unicode (no lone surrogate). */
export function isBoundedString(value: unknown, maxChars: number): value is string {
  // UTF-16 units never count fewer than code points: within maxChars of them, no count needed.
  return typeof value === "string" && value.length > 0 &&
    (value.length <= maxChars || charLength(value) <= maxChars) && isWellFormedText(value);
}
