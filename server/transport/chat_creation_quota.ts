/**
 * How many chats clients may create: a quota per connection and one for the
 * whole node, each a token bucket refilled per minute (a burst of the whole
 * minute's quota, then a steady trickle). A chat is a record every node keeps
 * forever and announces to every `hello` client, so creating them is charged
 * apart from the frame rate.
 *
 * Invariant: a creation is admitted only when both the connection's and the
 * node's quota have a token, and then takes one of each; a refusal takes none.
 * A connection's bucket lives as long as the connection object (a WeakMap).
 * @module
 */

import { TokenBucket } from "../../common/token_bucket.ts";

export interface ChatCreationQuotaOptions {
  /** Chats one connection may create per minute. */
  perConnectionPerMinute: number;
  /** Chats the node's clients may create per minute, all together. */
  perNodePerMinute: number;
  /** @default performance.now */
  nowMs?: () => number;
  /** Counts refusals by scope (`dsatter_chat_creations_refused_total`). */
  refused?: { labels(scope: string): { inc(): void } };
}

export type QuotaDecision =
  | { ok: true }
  | { ok: false; scope: "connection" | "node"; retryAfterSeconds: number; message: string };

const ADMITTED: QuotaDecision = { ok: true };

export class ChatCreationQuota {
  readonly perConnectionPerMinute: number;
  #node: TokenBucket;
  #nowMs: (() => number) | undefined;
  #connections = new WeakMap<object, TokenBucket>();
  #refused: ChatCreationQuotaOptions["refused"];

  constructor(options: ChatCreationQuotaOptions) {
    if (!(options.perConnectionPerMinute >= 1) || !(options.perNodePerMinute >= 1)) {
      throw new RangeError("Cannot set chat quotas: each must be >= 1 a minute");
    }
    this.perConnectionPerMinute = options.perConnectionPerMinute;
    this.#nowMs = options.nowMs;
    this.#node = perMinute(options.perNodePerMinute, options.nowMs);
    this.#refused = options.refused;
  }

  /** Admits one creation by `connection` (any object standing for it: its session). */
  admitFor(connection: object): QuotaDecision {
    let bucket = this.#connections.get(connection);
    if (!bucket) this.#connections.set(connection, bucket = this.connectionBucket());
    const decision = this.admit(bucket);
    if (!decision.ok) this.#refused?.labels(decision.scope).inc();
    return decision;
  }

  /** A connection's own bucket (made when it first creates a chat). */
  connectionBucket(): TokenBucket {
    return perMinute(this.perConnectionPerMinute, this.#nowMs);
  }

  /** Admits one creation against the connection's bucket and the node's. */
  admit(connection: TokenBucket): QuotaDecision {
    const connectionWaitMs = connection.msUntilToken();
    if (connectionWaitMs > 0) {
      return refusal(
        "connection",
        connectionWaitMs,
        `at most ${this.perConnectionPerMinute} new chats a minute per connection`,
      );
    }
    if (!this.#node.take()) {
      return refusal("node", this.#node.msUntilToken(), "this node creates no more chats now");
    }
    connection.take();
    return ADMITTED;
  }
}

function perMinute(count: number, nowMs?: () => number): TokenBucket {
  return new TokenBucket({ ratePerSecond: count / 60, burst: count, nowMs });
}

function refusal(
  scope: "connection" | "node",
  waitMs: number,
  why: string,
): QuotaDecision {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return {
    ok: false,
    scope,
    retryAfterSeconds,
    message: `chat creation quota: ${why}; try again in ${retryAfterSeconds} s`,
  };
}
