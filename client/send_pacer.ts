/**
 * Paces the client's own sends from a pipe: at most `ratePerSecond` after a first
 * `burst`, so a long pipe keeps its order and never meets the nodes' rate limit
 * (their default always accepts 1,000 frames a second with bursts of 10,000).
 * The clock and the wait are injected, so the pacing is tested without time.
 * @module
 */

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
  #ratePerMs: number;
  #burst: number;
  #allowance: number;
  #nowMs: () => number;
  #sleep: (ms: number) => Promise<void>;
  #refilledAt: number;

  constructor(options: SendPacerOptions = {}) {
    this.#ratePerMs = (options.ratePerSecond ?? 1000) / 1000;
    this.#burst = options.burst ?? 5000;
    this.#allowance = this.#burst;
    this.#nowMs = options.nowMs ?? (() => performance.now());
    this.#sleep = options.sleep ??
      ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#refilledAt = this.#nowMs();
  }

  /** Resolves when one more send may go. */
  async next(): Promise<void> {
    for (;;) {
      const now = this.#nowMs();
      this.#allowance = Math.min(
        this.#burst,
        this.#allowance + (now - this.#refilledAt) * this.#ratePerMs,
      );
      this.#refilledAt = now;
      if (this.#allowance >= 1) {
        this.#allowance -= 1;
        return;
      }
      await this.#sleep((1 - this.#allowance) / this.#ratePerMs);
    }
  }
}
