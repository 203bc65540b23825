/**
 * What the node does when its store cannot commit (a full disk, an I/O error):
 * refuse writes for a while with a clear error instead of stopping, and try
 * again after a capped, jittered backoff, so that the node recovers by itself
 * once space comes back. Reads and live delivery of what is stored go on.
 *
 * Invariants: refusal() is null whenever the last commit succeeded; after a
 * failure it is the same error until the backoff has passed, then null again
 * so that the next write tries the store; each failure in a row waits longer,
 * up to maxMs.
 * @module
 */

import { type Clock, systemClock } from "../../common/clock.ts";
import { backoffDelayMs, type BackoffOptions } from "../../common/backoff.ts";
import { type Logger, silentLogger } from "../../common/logger.ts";

/** The error code a client gets: `storage_full` (disk full) or `unavailable` (another failure). */
export type StorageRefusalCode = "storage_full" | "unavailable";

/** A write refused because the store cannot commit now. */
export class StorageRefusedError extends Error {
  readonly code: StorageRefusalCode;
  constructor(code: StorageRefusalCode, message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "StorageRefusedError";
    this.code = code;
  }
}

/** True when the error, or one of its causes, is SQLite's "database or disk is full" or ENOSPC. */
export function isDiskFull(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Object; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (e.code === "SQLITE_FULL" || e.code === "ENOSPC") return true;
    if (typeof e.message === "string" && /database or disk is full|ENOSPC/.test(e.message)) {
      return true;
    }
    current = e.cause;
  }
  return false;
}

export interface StorageGuardOptions {
  /** @default systemClock */
  clock?: Clock;
  /** @default { baseMs: 250, maxMs: 5000 } */
  backoff?: BackoffOptions;
  /** One line when writes start being refused and one when they are accepted again. */
  logger?: Logger;
}

export class StorageGuard {
  #failures = 0;
  #refuseUntilMs = 0;
  #refusal: StorageRefusedError | null = null;
  #clock: Clock;
  #backoff: BackoffOptions;
  #logger: Logger;

  constructor(options: StorageGuardOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#backoff = options.backoff ?? { baseMs: 250, maxMs: 5000 };
    this.#logger = options.logger ?? silentLogger;
  }

  /** Failed commits in a row (0: the store is writable). */
  get failures(): number {
    return this.#failures;
  }

  /** The error to refuse a write with now, or null to let it try the store. */
  refusal(): StorageRefusedError | null {
    if (this.#failures === 0 || this.#clock.nowMs() >= this.#refuseUntilMs) return null;
    return this.#refusal;
  }

  /** The refusal a failed write gets: the store's own error while commits fail, else `error`. */
  explain(error: unknown): unknown {
    return this.#failures > 0 && this.#refusal ? this.#refusal : error;
  }

  /** A commit failed: writes are refused until the backoff has passed. Returns how long. */
  failed(cause: unknown): number {
    const delayMs = backoffDelayMs(Math.min(this.#failures, 30), this.#backoff);
    this.#failures += 1;
    this.#refuseUntilMs = this.#clock.nowMs() + delayMs;
    this.#refusal = isDiskFull(cause)
      ? new StorageRefusedError(
        "storage_full",
        "Cannot store the message: this node's disk is full; send it again later or to another node",
        cause,
      )
      : new StorageRefusedError(
        "unavailable",
        "Cannot store the message: this node's store failed; try again",
        cause,
      );
    const fields = {
      error: (cause as Error)?.message ?? String(cause),
      code: this.#refusal.code,
      retryInMs: delayMs,
      failures: this.#failures,
    };
    if (this.#failures === 1) this.#logger.error("store commit failed: refusing writes", fields);
    else this.#logger.debug("store commit failed again", fields);
    return delayMs;
  }

  /** A commit succeeded; true when that ends a run of failures (the store recovered). */
  succeeded(): boolean {
    const recovered = this.#failures > 0;
    if (recovered) {
      this.#logger.info("store writable again: accepting writes", { failures: this.#failures });
    }
    this.#failures = 0;
    this.#refusal = null;
    return recovered;
  }
}
