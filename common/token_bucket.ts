/**
 * A token bucket: `ratePerSecond` tokens flow in continuously up to `burst`; each
 * frame takes one (an expensive one takes more: `take(cost)`). The nodes limit
 * each client connection, chat creation and REST POSTs per address with it; the
 * terminal client paces its piped sends with it (client/send_pacer.ts).
 *
 * Invariant: over any window of t seconds at most burst + ratePerSecond * t
 * tokens are taken; a refused take takes nothing.
 * @module
 */

export interface TokenBucketOptions {
  ratePerSecond: number;
  burst: number;
  /** @default performance.now */
  nowMs?: () => number;
}

/** One shared default clock: no closure per bucket (one bucket per connection). */
const performanceNow = () => performance.now();

export class TokenBucket {
  #ratePerMs: number;
  #burst: number;
  #tokens: number;
  #lastMs: number;
  #nowMs: () => number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) {
      throw new RangeError("Cannot build a token bucket: rate must be > 0 and burst >= 1");
    }
    this.#ratePerMs = options.ratePerSecond / 1000;
    this.#burst = options.burst;
    this.#tokens = options.burst;
    this.#nowMs = options.nowMs ?? performanceNow;
    this.#lastMs = this.#nowMs();
  }

  /**
   * Takes `cost` tokens (default one); false, taking nothing, when fewer are left. A cost
   * above the burst is charged as the burst: such a frame passes only with a full bucket.
   */
  take(cost = 1): boolean {
    this.#refill();
    const needed = cost < this.#burst ? cost : this.#burst;
    if (this.#tokens < needed) return false;
    this.#tokens -= needed;
    return true;
  }

  /** Milliseconds until `cost` tokens (default one) are there (0 when they are). */
  msUntilToken(cost = 1): number {
    this.#refill();
    const needed = cost < this.#burst ? cost : this.#burst;
    return this.#tokens >= needed ? 0 : (needed - this.#tokens) / this.#ratePerMs;
  }

  /** True when the bucket is full again (nothing taken that has not flowed back). */
  isFull(): boolean {
    this.#refill();
    return this.#tokens >= this.#burst;
  }

  #refill(): void {
    const now = this.#nowMs();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#lastMs) * this.#ratePerMs);
    this.#lastMs = now;
  }
}
