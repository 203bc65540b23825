/**
 * A client connection's frame rate: its token bucket (`--rate-limit N`: N a
 * second, bursts of 10N), what a frame costs beyond its first token, and the
 * decaying strike score of its refused frames (common/decaying_strikes.ts). A
 * subclass of the bucket, so a connection carries one object for all of it.
 *
 * Invariant: a frame of unit cost is refused only when the bucket is empty; a
 * strike score past strikesBeforeClose says the connection must be closed.
 * @module
 */

import { addStrike } from "../../common/decaying_strikes.ts";
import { TokenBucket } from "../../common/token_bucket.ts";

export interface RateLimit {
  /** Frames per second, sustained. */
  perSecond: number;
  /** Frames accepted at once. */
  burst: number;
  /**
   * Strike score past which the connection is closed with 1008: about this many refused
   * frames in a short while (strikes halve every 10 s, common/decaying_strikes.ts).
   */
  strikesBeforeClose: number;
}

/** Chat ids (in `subscribe`) or chats (in a `chatList` page) one token pays for. */
export const ITEMS_PER_TOKEN = 100;

/** One shared clock for every connection (no closure per connection). */
const nowMs = () => performance.now();

export class FrameRateGuard extends TokenBucket {
  #strikeScore = 0;
  #strikeAtMs = 0;
  #strikesBeforeClose: number;
  #burst: number;

  constructor(limit: RateLimit) {
    super({ ratePerSecond: limit.perSecond, burst: limit.burst });
    this.#strikesBeforeClose = limit.strikesBeforeClose;
    this.#burst = limit.burst;
  }

  /**
   * Takes what a frame of `items` items costs beyond its first token (at most a whole
   * burst, so that a large answer stays possible once the bucket is full); false when short.
   */
  takeItems(items: number): boolean {
    const extra = items > ITEMS_PER_TOKEN ? Math.ceil(items / ITEMS_PER_TOKEN) - 1 : 0;
    return extra === 0 || this.take(Math.min(extra, this.#burst - 1));
  }

  /** One refused frame; true when the strikes now say: close the connection. */
  strike(): boolean {
    const now = nowMs();
    this.#strikeScore = addStrike(this.#strikeScore, this.#strikeAtMs, now);
    this.#strikeAtMs = now;
    return this.#strikeScore > this.#strikesBeforeClose;
  }
}
