/**
 * A hybrid logical clock producing (dateTime, lc) stamps for messages.
 *
 * Invariant: every stamp from now() sorts strictly after every stamp this clock
 * issued or observed before, even when the wall clock jumps back. So a reply,
 * stamped after its node observed the message it answers, sorts after it on
 * every node.
 * @module
 */

import { type Clock, systemClock } from "./clock.ts";

/** The clock part of a message: physical time as ISO-8601 UTC with ms, plus a logical counter. */
export interface Stamp {
  dateTime: string;
  lc: number;
}

export interface HybridLogicalClockOptions {
  /** Wall clock in ms since the epoch. @default systemClock */
  clock?: Clock;
  /** The last stamp issued before a restart, so the clock never goes back across restarts. */
  initial?: Stamp;
}

export interface HybridLogicalClock {
  /** A new stamp, strictly after everything issued or observed. */
  now(): Stamp;
  /** Takes a stamp seen from elsewhere into account. */
  observe(stamp: Stamp): void;
  /** The highest stamp issued or observed so far. */
  last(): Stamp;
}

/** Builds a clock; pure apart from the injected wall clock. */
export function createHybridLogicalClock(
  options: HybridLogicalClockOptions = {},
): HybridLogicalClock {
  const clock = options.clock ?? systemClock;
  let physicalMs = options.initial ? parseDateTimeMs(options.initial.dateTime) : 0;
  let logical = options.initial ? options.initial.lc : 0;

  function now(): Stamp {
    const wall = Math.floor(clock.nowMs());
    if (wall > physicalMs) {
      physicalMs = wall;
      logical = 0;
    } else if (logical >= LOGICAL_COUNTER_MAX) {
      // The counter stays a small integer on every node: the next millisecond instead.
      physicalMs += 1;
      logical = 0;
    } else {
      logical += 1;
    }
    return { dateTime: formatDateTime(physicalMs), lc: logical };
  }

  function observe(stamp: Stamp): void {
    if (!Number.isSafeInteger(stamp.lc) || stamp.lc < 0 || stamp.lc > LOGICAL_COUNTER_MAX) return;
    const remoteMs = parseDateTimeMs(stamp.dateTime);
    if (remoteMs > physicalMs) {
      physicalMs = remoteMs;
      logical = stamp.lc;
    } else if (remoteMs === physicalMs && stamp.lc > logical) {
      logical = stamp.lc;
    }
  }

  function last(): Stamp {
    return { dateTime: formatDateTime(physicalMs), lc: logical };
  }

  return { now, observe, last };
}

/** "YYYY-MM-DDTHH:MM:SS.sssZ" for ms since the epoch. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** ms since the epoch for a contract dateTime; NaN when it is not one. */
export function parseDateTimeMs(dateTime: string): number {
  return isContractDateTime(dateTime) ? Date.parse(dateTime) : NaN;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The two digits of text at index, as a number (no allocation). */
function twoDigits(text: string, index: number): number {
  return (text.charCodeAt(index) - 48) * 10 + text.charCodeAt(index + 1) - 48;
}

/**
 * True for a contract dateTime that names a real instant: the shape alone lets
 * "2026-02-30" or hour 24 through. Checked by arithmetic, without a Date, because
 * every replicated message goes through it (a 100k-message catch-up).
 */
export function isContractDateTime(value: unknown): value is string {
  if (typeof value !== "string" || !DATE_TIME_PATTERN.test(value)) return false;
  const year = twoDigits(value, 0) * 100 + twoDigits(value, 2);
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return day <= days && twoDigits(value, 11) <= 23 && twoDigits(value, 14) <= 59 &&
    twoDigits(value, 17) <= 59;
}

/**
 * The largest logical part a clock issues or accepts. Far above any real burst
 * within one millisecond, and far below 2^53, so that `lc + 1` stays an exact
 * integer on every node (past 2^53 a peer would refuse the node's messages forever).
 */
export const LOGICAL_COUNTER_MAX = 2 ** 31 - 1;

/** The contract's dateTime shape. */
export const DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
