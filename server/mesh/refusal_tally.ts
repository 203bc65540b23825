/**
 * Counts what a peer link refuses and logs it as one warning per period with
 * the counts by reason, instead of one line per item: a peer whose clock runs
 * minutes ahead sends thousands of messages a minute, and each refusal is the
 * same news. The first refusal of a quiet period is logged at once, so an
 * operator learns of it without waiting.
 *
 * Invariant: every counted refusal is in exactly one logged line (flush() logs
 * the rest when the link closes); at most one line per periodMs otherwise.
 * @module
 */

import { type Clock, systemClock } from "../../common/clock.ts";
import type { LogFields, Logger } from "../../common/logger.ts";

export interface RefusalTallyOptions {
  log: Logger;
  /** The log line's event. */
  event: string;
  /** Fields every line carries (the peer's id). */
  fields: () => LogFields;
  /** @default 10_000 */
  periodMs?: number;
  /** @default systemClock */
  clock?: Clock;
}

export class RefusalTally {
  #options: RefusalTallyOptions;
  #counts = new Map<string, number>();
  #last: LogFields = {};
  #loggedAtMs = -Infinity;

  constructor(options: RefusalTallyOptions) {
    this.#options = options;
  }

  /** One refusal; `last` describes it (kept for the line: the latest example). */
  add(reason: string, last: LogFields = {}): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
    this.#last = last;
    const nowMs = (this.#options.clock ?? systemClock).nowMs();
    if (nowMs - this.#loggedAtMs >= (this.#options.periodMs ?? 10_000)) this.flush();
  }

  /** Logs what was counted since the last line, if anything. */
  flush(): void {
    if (this.#counts.size === 0) return;
    const counts: LogFields = {};
    for (const [reason, count] of this.#counts) counts[reason] = count;
    this.#options.log.warn(this.#options.event, {
      ...this.#options.fields(),
      ...counts,
      ...this.#last,
    });
    this.#counts.clear();
    this.#loggedAtMs = (this.#options.clock ?? systemClock).nowMs();
  }
}
