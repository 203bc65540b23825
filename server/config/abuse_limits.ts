/**
 * The node's abuse limits: what keeps one client, one address or one peer
 * from hurting the others (docs/SERVER.md "Limits", docs/SECURITY.md). Their
 * flags, defaults and integer rules (spread into server_flag_table.ts's
 * tables, which read and check them), their lines of `--help`, the config
 * built from their values, and the transport's options made from it.
 *
 * Invariant: every default is far above what people, the tests, `make dev`
 * and the perf harness do; they connect from loopback, which the per-address
 * limits leave alone unless --limit-loopback.
 * @module
 */

import type { NodeServerOptions } from "../transport/bun_transport.ts";

/** The limits that keep one client, one address or one peer from hurting the others. */
export interface AbuseLimits {
  /** Open client connections at most (503 past it). */
  maxConnections: number;
  /** Open client connections per address, IPv4 or IPv6 /64 (429 past it). */
  maxConnectionsPerIp: number;
  /** Apply the per-address limits (connections, REST POST) to loopback too. */
  limitLoopback: boolean;
  /** All clients' unsent bytes together; past it the furthest behind are cut off. */
  bufferBudgetBytes: number;
  /** REST POSTs per second per address, bursts of ten times that (429 past it). */
  postRatePerSecond: number;
  /** Chats one connection may create per minute. */
  chatsPerMinute: number;
  /** Chats the node's clients may create per minute, together. */
  nodeChatsPerMinute: number;
  /** A peer message stamped further ahead of this node's clock is refused. */
  maxClockAheadMs: number;
}

export const DEFAULT_LIMITS: AbuseLimits = {
  maxConnections: 50_000,
  maxConnectionsPerIp: 1000,
  limitLoopback: false,
  bufferBudgetBytes: 256 * 1024 * 1024,
  postRatePerSecond: 100,
  chatsPerMinute: 10,
  nodeChatsPerMinute: 600,
  maxClockAheadMs: 60_000,
};

const MIB = 1024 * 1024;
const d = DEFAULT_LIMITS;

/** The limits' flags, in the node's flag table (and so as DSATTER_<FLAG> too). */
export const LIMIT_FLAGS = {
  "max-connections": { type: "string" },
  "max-connections-per-ip": { type: "string" },
  "limit-loopback": { type: "boolean" },
  "buffer-budget-mib": { type: "string" },
  "post-rate-limit": { type: "string" },
  "chats-per-minute": { type: "string" },
  "node-chats-per-minute": { type: "string" },
  "max-clock-ahead": { type: "string" },
} as const;

/** The rule of a count flag: 1..999,999,999, its default when absent. */
function atLeastOne(flag: string, fallback: number) {
  return { fallback, maxDigits: 9, min: 1, refusal: `--${flag} must be an integer >= 1` };
}

/** The integer rules of the limits' flags (server_flags.ts's INTEGER_FLAGS shape). */
export const LIMIT_INTEGER_RULES = {
  "max-connections": atLeastOne("max-connections", d.maxConnections),
  "max-connections-per-ip": atLeastOne("max-connections-per-ip", d.maxConnectionsPerIp),
  "buffer-budget-mib": atLeastOne("buffer-budget-mib", d.bufferBudgetBytes / MIB),
  "post-rate-limit": atLeastOne("post-rate-limit", d.postRatePerSecond),
  "chats-per-minute": atLeastOne("chats-per-minute", d.chatsPerMinute),
  "node-chats-per-minute": atLeastOne("node-chats-per-minute", d.nodeChatsPerMinute),
  "max-clock-ahead": atLeastOne("max-clock-ahead", d.maxClockAheadMs / 1000),
} as const;

/** The limits' lines of `--help`. */
export const LIMITS_HELP =
  `  --max-connections N           client connections at most, 503 past it (default ${d.maxConnections})
  --max-connections-per-ip N    client connections per address (IPv4, IPv6 /64), 429 past it
                                (default ${d.maxConnectionsPerIp}; loopback exempt unless --limit-loopback)
  --limit-loopback              apply the per-address limits to 127.0.0.1 and ::1 too
  --buffer-budget-mib N         unsent MiB to all clients together; past it the furthest
                                behind are cut off (default ${d.bufferBudgetBytes / MIB})
  --post-rate-limit N           REST POSTs per second per address, bursts of 10*N (default ${d.postRatePerSecond})
  --chats-per-minute N          chats one connection may create per minute (default ${d.chatsPerMinute})
  --node-chats-per-minute N     chats the node's clients may create per minute (default ${d.nodeChatsPerMinute})
  --max-clock-ahead S           refuse peer messages stamped more than S seconds ahead of this
                                node's clock (default ${d.maxClockAheadMs / 1000})`;

/** A limit flag with an integer value. */
export type LimitFlag = keyof typeof LIMIT_INTEGER_RULES;

/**
 * The limits from their flags: `read` checks one (a number, or why not: returned as is,
 * the first one), `limitLoopback` is --limit-loopback.
 */
export function readAbuseLimits<R extends object>(
  read: (flag: LimitFlag) => number | R,
  limitLoopback: boolean,
): AbuseLimits | R {
  const counts = {} as Record<LimitFlag, number>;
  for (const flag of Object.keys(LIMIT_INTEGER_RULES) as LimitFlag[]) {
    const value = read(flag);
    if (typeof value !== "number") return value;
    counts[flag] = value;
  }
  return {
    maxConnections: counts["max-connections"],
    maxConnectionsPerIp: counts["max-connections-per-ip"],
    limitLoopback,
    bufferBudgetBytes: counts["buffer-budget-mib"] * MIB,
    postRatePerSecond: counts["post-rate-limit"],
    chatsPerMinute: counts["chats-per-minute"],
    nodeChatsPerMinute: counts["node-chats-per-minute"],
    maxClockAheadMs: counts["max-clock-ahead"] * 1000,
  };
}

/** The transport's share of the abuse limits (docs/SERVER.md "Limits"). */
export function transportLimits(limits: AbuseLimits): Partial<NodeServerOptions> {
  return {
    bufferBudgetBytes: limits.bufferBudgetBytes,
    connectionLimits: {
      maxTotal: limits.maxConnections,
      maxPerAddress: limits.maxConnectionsPerIp,
      limitLoopback: limits.limitLoopback,
    },
    postRateLimit: {
      ratePerSecond: limits.postRatePerSecond,
      burst: limits.postRatePerSecond * 10,
      limitLoopback: limits.limitLoopback,
    },
    chatQuota: {
      perConnectionPerMinute: limits.chatsPerMinute,
      perNodePerMinute: limits.nodeChatsPerMinute,
    },
  };
}
