/**
 * A token bucket per client address (IPv4, or IPv6 /64: connection_limits.ts),
 * for requests that do not ride a connection's own bucket: REST POSTs. A
 * refused request is told how long to wait (HTTP Retry-After, whole seconds).
 * Loopback is exempt unless `limitLoopback`, as for connection caps.
 *
 * Invariant: an address is charged as by one TokenBucket for as long as its
 * bucket is not full; a full bucket holds nothing worth keeping and may be
 * forgotten, so the map stays bounded by the addresses that were active lately
 * (at most maxAddresses; past it, the oldest entries go first).
 * @module
 */

import { isLoopbackHost } from "../../common/host_address.ts";
import { TokenBucket } from "../../common/token_bucket.ts";
import { addressLimitKey } from "./connection_limits.ts";

export interface AddressRateLimitOptions {
  /** Requests per second per address, sustained. */
  ratePerSecond: number;
  /** Requests per address at once. */
  burst: number;
  /** Charge loopback too. @default false */
  limitLoopback?: boolean;
  /** Addresses tracked at most. @default 100_000 */
  maxAddresses?: number;
  /** @default performance.now */
  nowMs?: () => number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

const ACCEPTED: RateDecision = { ok: true };
const SWEEP_FLOOR = 1024;

export class AddressRateLimit {
  #options: AddressRateLimitOptions;
  #buckets = new Map<string, TokenBucket>();
  #maxAddresses: number;
  #sweepAt = SWEEP_FLOOR;

  constructor(options: AddressRateLimitOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) {
      throw new RangeError("Cannot limit requests: rate must be > 0 and burst >= 1");
    }
    this.#options = options;
    this.#maxAddresses = options.maxAddresses ?? 100_000;
  }

  /** Charges one request from `address`. */
  take(address: string): RateDecision {
    if (!this.#options.limitLoopback && isLoopbackHost(address)) return ACCEPTED;
    const key = addressLimitKey(address);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.#sweepAt) this.#sweep();
      bucket = new TokenBucket({
        ratePerSecond: this.#options.ratePerSecond,
        burst: this.#options.burst,
        nowMs: this.#options.nowMs,
      });
      this.#buckets.set(key, bucket);
    }
    if (bucket.take()) return ACCEPTED;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(bucket.msUntilToken() / 1000)) };
  }

  /** Addresses tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Forgets full buckets; past maxAddresses, the oldest entries too. */
  #sweep(): void {
    for (const [key, bucket] of this.#buckets) if (bucket.isFull()) this.#buckets.delete(key);
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size < this.#maxAddresses) break;
      this.#buckets.delete(key);
    }
    this.#sweepAt = Math.min(this.#maxAddresses, Math.max(SWEEP_FLOOR, this.#buckets.size * 2));
  }
}
