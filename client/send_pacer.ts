/**
 * Paces the client's own sends from a pipe: at most `ratePerSecond` after a first
 * `burst`, so a long pipe keeps its order and never meets the nodes' rate limit
 * (their default always accepts 1,000 frames a second with bursts of 10,000).
 * The same token bucket as the nodes' (common/token_bucket.ts), waited on; the
 * clock and the wait are injected, so the pacing is tested without time.
 * @module
 */

import { TokenBucket } from "../common/token_bucket.ts";

export interface SendPacerOptions {
  /** @default 1000 */
  ratePerSecond?: number;
  /** @default 5000 */
  burst?: number;
  /** @default performance.now */
  nowMs?: () => number;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

export class SendPacer {
  #bucket: TokenBucket;
  #sleep: (ms: number) => Promise<void>;

  constructor(options: SendPacerOptions = {}) {
    this.#bucket = new TokenBucket({
      ratePerSecond: options.ratePerSecond ?? 1000,
      burst: options.burst ?? 5000,
      nowMs: options.nowMs,
    });
    this.#sleep = options.sleep ??
      ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Resolves when one more send may go. */
  async next(): Promise<void> {
    while (!this.#bucket.take()) await this.#sleep(this.#bucket.msUntilToken());
  }
}
