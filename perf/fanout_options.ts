/**
 * What a fan-out run takes and what it reports (perf/fanout_load.ts runs it):
 * the knobs of a load shape, and every count a reader needs to judge it, loss
 * and duplicates first.
 *
 * Invariant: a result with `complete: true` means every receiver got every
 * message exactly once, one per frame, before the deadline.
 * @module
 */

import type { LatencySummary } from "./latency_summary.ts";

export interface FanoutOptions {
  /** One client WebSocket URL per pushing connection. */
  pusherUrls: readonly string[];
  /**
   * One client WebSocket URL per receiving connection. With none, the run only seeds:
   * it ends when every pusher's last message is acknowledged (ackEvery must be > 0).
   */
  receiverUrls: readonly string[];
  /**
   * Connections that stop reading as soon as they are open (slow readers): not counted as
   * receivers; the run reports how the node closed them (4000 = dropped as a slow reader).
   */
  slowReaderUrls?: readonly string[];
  /** Receivers whose URL is in this set are on the pushers' node; the others are remote. */
  localUrls?: ReadonlySet<string>;
  messages: number;
  /** Messages per second across all pushers; undefined: as fast as the window allows. */
  ratePerSecond?: number;
  /**
   * Every ackEvery-th message of a pusher (and its last) carries a clientMsgId and is
   * acknowledged; 0: none do (the original tool's shape, no flow control). @default 1
   */
  ackEvery?: number;
  /** Messages a pusher may have sent beyond its last acknowledged one. @default 256 */
  windowPerPusher?: number;
  /** When false, pushers send `subscribe {"chatIds": []}` and receive nothing. @default false */
  pushersListen?: boolean;
  /** @default 9000 */
  chatId?: number;
  /** Hard deadline for the whole run, connects included. @default 120000 */
  timeoutMs?: number;
  /** Quiet time after the last expected delivery, to catch late duplicates. @default 300 */
  settleMs?: number;
  /** @default 100 */
  connectConcurrency?: number;
  signal?: AbortSignal;
}

export interface FanoutResult {
  runId: string;
  messages: number;
  pushers: number;
  receivers: number;
  /** True when every receiver got every message exactly once. */
  complete: boolean;
  /** First send to last send, seconds. */
  sendSeconds: number;
  /** First send to last first-arrival at any receiver, seconds. */
  deliverSeconds: number;
  messagesPerSecond: number;
  deliveriesPerSecond: number;
  deliveries: number;
  expectedDeliveries: number;
  duplicates: number;
  missing: number;
  /** newMessagesForClient frames holding other than exactly one message. */
  badFrames: number;
  /** Frames a receiver got that were not this run's messages (stray traffic). */
  foreign: number;
  acks: number;
  errorFrames: Record<string, number>;
  /** Receivers the node closed before the end, by close code. */
  closedEarly: Record<string, number>;
  /** Slow readers: how many, and how many the node closed before the end, by close code. */
  slowReaders: { count: number; closedWith: Record<string, number> };
  latency: LatencySummary;
  /** Receivers on other nodes than the pushers' only. */
  remoteLatency: LatencySummary;
  ackLatency: LatencySummary;
  timedOut: boolean;
}
