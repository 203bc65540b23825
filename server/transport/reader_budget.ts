/**
 * The node-wide budget of bytes queued to clients that read slowly: how much
 * all of them together may hold, and what happens to the ones past it. The hub
 * owns the clients and calls in: after each publication (`published`, which
 * says when a measure is due at once), and for each measure (`measure`).
 *
 * Memory is what counts, so the budget holds the queues of open clients and
 * those Bun still keeps for clients closed with a close frame: such a queue
 * stays until the peer reads it (the close frame waits behind it) or about 16 s
 * pass, and a never-reading peer never reads it.
 *
 * Invariants:
 * - After a measure, open clients' queues plus lingering ones are at most the
 *   budget: past it, open clients are cut off (no close frame, queue freed at
 *   once), the furthest behind first, until the rest fit in 9/10 of it.
 * - A publication that could use up the headroom (its worst-case UTF-8 size
 *   times its subscribers) makes the next measure due at once, inside the
 *   publishing turn: a burst cannot outrun the check.
 * - A slow reader is closed with 4000 only while lingering queues fit in half
 *   the budget; otherwise it is cut off.
 * @module
 */

import { CloseCode } from "../../common/errors.ts";
import type { Clock } from "../../common/clock.ts";
import type { Logger } from "../../common/logger.ts";
import type { NodeMetrics } from "../observability/metrics_registry.ts";

/** The node-wide default budget of unsent bytes to clients. */
export const DEFAULT_BUFFER_BUDGET_BYTES = 256 * 1024 * 1024;
/** Worst-case UTF-8 bytes per UTF-16 code unit of a frame's text. */
const UTF8_BYTES_PER_UNIT_MAX = 3;
/** How long Bun keeps a closed socket's unsent bytes when its peer does not read them. */
const CLOSE_LINGER_MS = 20_000;
const SLOW_READER_REASON = "slow reader: reconnect and resume with since";

/** A client as the budget sees it. */
export interface BudgetedReader {
  session?: {
    readonly closing: boolean;
    close(code: number, reason: string): void;
    cutOff(): void;
  };
  socket: { getBufferedAmount(): number };
}

export interface ReaderBudgetOptions {
  /** @default DEFAULT_BUFFER_BUDGET_BYTES */
  budgetBytes?: number;
  metrics: NodeMetrics;
  logger: Logger;
  /** Lingering queues expire on it (intervals: a monotonic clock). */
  clock: Clock;
}

export class ReaderBudget {
  readonly budgetBytes: number;
  #options: ReaderBudgetOptions;
  /** Unsent bytes of open clients plus lingering queues, at the last measure. */
  #measuredBytes = 0;
  /** UTF-16 units times subscribers published since the last measure. */
  #publishedUnits = 0;
  /** Queues of clients closed with a close frame, kept by Bun until read or timed out. */
  #lingering: Array<{ untilMs: number; bytes: number }> = [];
  #lingeringBytes = 0;

  constructor(options: ReaderBudgetOptions) {
    this.#options = options;
    this.budgetBytes = options.budgetBytes ?? DEFAULT_BUFFER_BUDGET_BYTES;
  }

  get measuredBytes(): number {
    return this.#measuredBytes;
  }

  /**
   * A publication that may have queued up to `units` UTF-16 units (times up to 3 bytes):
   * true when that could use up the headroom (at least a sixteenth of the budget, so a
   * node near it does not measure on every publication), and the hub must measure now.
   */
  published(units: number): boolean {
    this.#publishedUnits += units;
    const headroom = this.budgetBytes - this.#measuredBytes;
    const floor = this.budgetBytes / 16;
    return this.#publishedUnits * UTF8_BYTES_PER_UNIT_MAX > (headroom > floor ? headroom : floor);
  }

  /** Drops a slow reader `buffered` bytes behind: 4000 while lingering queues fit, else cut off. */
  dropSlow(reader: BudgetedReader, buffered: number): void {
    if (this.#lingeringBytes + buffered <= this.budgetBytes / 2) {
      this.#lingering.push({
        untilMs: this.#options.clock.nowMs() + CLOSE_LINGER_MS,
        bytes: buffered,
      });
      this.#lingeringBytes += buffered;
      reader.session!.close(CloseCode.slowReader, SLOW_READER_REASON);
    } else {
      reader.session!.cutOff();
    }
  }

  /**
   * Measures every open reader (`dropIfSlow` applies the per-connection limit first and
   * says whether it dropped it), then frees the budget when the total is past it.
   */
  measure(
    readers: Iterable<BudgetedReader>,
    dropIfSlow: (reader: BudgetedReader, buffered: number) => boolean,
  ): void {
    this.#publishedUnits = 0;
    this.#expireLingering();
    let total = 0;
    for (const reader of readers) {
      if (!reader.session || reader.session.closing) continue;
      const buffered = reader.socket.getBufferedAmount();
      if (!dropIfSlow(reader, buffered)) total += buffered;
    }
    if (total + this.#lingeringBytes > this.budgetBytes) total = this.#free(readers, total);
    this.#measuredBytes = total + this.#lingeringBytes;
  }

  /** Cuts off the open readers furthest behind until the rest fit; returns what they hold. */
  #free(readers: Iterable<BudgetedReader>, total: number): number {
    const behind: Array<{ reader: BudgetedReader; bytes: number }> = [];
    for (const reader of readers) {
      if (!reader.session || reader.session.closing) continue;
      const bytes = reader.socket.getBufferedAmount();
      if (bytes > 0) behind.push({ reader, bytes });
    }
    behind.sort((a, b) => b.bytes - a.bytes);
    const target = this.budgetBytes * 0.9;
    let dropped = 0;
    for (const { reader, bytes } of behind) {
      if (total + this.#lingeringBytes <= target) break;
      reader.session!.cutOff();
      total -= bytes;
      dropped += 1;
    }
    const { metrics, logger } = this.#options;
    metrics.dropped.inc(dropped);
    metrics.droppedOverBudget.inc(dropped);
    logger.info("clients dropped: over the buffer budget", {
      dropped,
      budgetBytes: this.budgetBytes,
      bufferedBytes: total + this.#lingeringBytes,
    });
    return total;
  }

  /** Forgets lingering queues Bun has let go of by now. */
  #expireLingering(): void {
    const nowMs = this.#options.clock.nowMs();
    while (this.#lingering.length > 0 && this.#lingering[0].untilMs <= nowMs) {
      this.#lingeringBytes -= this.#lingering.shift()!.bytes;
    }
  }
}
