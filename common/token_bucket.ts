/**
 * A token bucket: `ratePerSecond` tokens flow in continuously up to `burst`; each
 * frame takes one. The nodes limit each client connection with it; the terminal
 * client paces its piped sends with it (client/send_pacer.ts).
 *
 * Invariant: over any window of t seconds at most burst + ratePerSecond * t
 * takes succeed.
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

  /** Takes one token; false when none is left. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is there (0 when one is). */
  msUntilToken(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : (1 - this.#tokens) / this.#ratePerMs;
  }

  #refill(): void {
    const now = this.#nowMs();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#lastMs) * this.#ratePerMs);
    this.#lastMs = now;
  }
}
