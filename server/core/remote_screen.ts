/**
 * What a node refuses from its peers before anything is stored or observed by
 * its clock: a malformed message, one stamped more than `maxAheadMs` ahead of
 * this node's wall clock (it would drag every node's hybrid clock, and so every
 * later message, into its future), and one that claims this node as origin at
 * or past its next seq (this node numbers its own messages; a peer cannot hold
 * one it never issued, and accepting it would burn the seq space). Pure; every
 * replication path ends in ChatNode.acceptRemote, which applies it.
 *
 * Invariant: a refused message leaves no trace (not stored, not observed); a
 * refusal for the clock says how long until the same message would pass, so a
 * caller can ask for it again then instead of at once.
 * @module
 */

import type { Logger } from "../../common/logger.ts";
import type { Clock } from "../../common/clock.ts";
import { formatDateTime, type Stamp } from "../../common/hybrid_logical_clock.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import { isAcceptableRemote } from "./chat_rules.ts";

/** How far ahead of this node's wall clock a peer's message may be stamped. */
export const DEFAULT_MAX_CLOCK_AHEAD_MS = 60_000;

export type RemoteRefusalReason = "malformed" | "clock_ahead" | "own_seq";

export interface RemoteRefusal {
  nodeId: number;
  seq: number;
  reason: RemoteRefusalReason;
  /** clock_ahead: ms until this node's wall clock is near enough to take it. */
  waitMs?: number;
}

/** What acceptRemote refused of a batch (the rest it stored). */
export interface RemoteOutcome {
  refused: readonly RemoteRefusal[];
}

export const NOTHING_REFUSED: RemoteOutcome = Object.freeze({ refused: Object.freeze([]) });

export interface RemoteScreenRules {
  /** This node's id and the seq its next own message gets. */
  nodeId: number;
  nextSeq: number;
  /** This node's wall clock now (the one its hybrid clock reads). */
  wallClockMs: number;
  maxAheadMs: number;
}

/** Splits a peer's batch into what may be stored and what is refused (with why). */
export function screenRemote(
  messages: ChatMessage[],
  rules: RemoteScreenRules,
): { accepted: ChatMessage[]; outcome: RemoteOutcome } {
  const latestMs = rules.wallClockMs + rules.maxAheadMs;
  // One ISO string per batch: contract dateTimes compare as text in time order.
  const latest = formatDateTime(latestMs);
  let refused: RemoteRefusal[] | undefined;
  const accepted = messages.filter((m) => {
    let refusal: RemoteRefusal | undefined;
    if (!isAcceptableRemote(m)) {
      refusal = { nodeId: Number(m?.nodeId), seq: Number(m?.seq), reason: "malformed" };
    } else if (m.dateTime > latest) {
      const waitMs = Date.parse(m.dateTime) - latestMs;
      refusal = { nodeId: m.nodeId, seq: m.seq, reason: "clock_ahead", waitMs };
    } else if (m.nodeId === rules.nodeId && m.seq >= rules.nextSeq) {
      refusal = { nodeId: m.nodeId, seq: m.seq, reason: "own_seq" };
    }
    if (refusal) (refused ??= []).push(refusal);
    return refusal === undefined;
  });
  return { accepted, outcome: refused ? { refused } : NOTHING_REFUSED };
}

/**
 * When a node's own last stamp is further ahead of its wall clock than peers accept (its
 * clock once ran ahead, and the hybrid clock never goes back): the fields to say so at
 * start; undefined otherwise.
 */
export function clockAheadWarning(
  last: Stamp,
  wallClockMs: number,
  maxAheadMs: number,
): { lastStamp: string; aheadMs: number } | undefined {
  const aheadMs = Date.parse(last.dateTime) - wallClockMs;
  return aheadMs > maxAheadMs ? { lastStamp: last.dateTime, aheadMs } : undefined;
}

export interface RemoteScreenOptions {
  nodeId: number;
  /** This node's wall clock (the one its hybrid clock reads). */
  clock: Clock;
  /** @default DEFAULT_MAX_CLOCK_AHEAD_MS */
  maxAheadMs?: number;
  /** Counts each refusal by reason (`dsatter_peer_messages_refused_total`). */
  refused: { labels(reason: string): { inc(): void } };
}

/** screenRemote() with one node's rules, counting what it refuses. */
export class RemoteScreen {
  #options: RemoteScreenOptions;
  #maxAheadMs: number;

  constructor(options: RemoteScreenOptions) {
    this.#options = options;
    this.#maxAheadMs = options.maxAheadMs ?? DEFAULT_MAX_CLOCK_AHEAD_MS;
  }

  /** A peer's batch split into what may be stored and what is refused (counted). */
  screen(messages: ChatMessage[], nextSeq: number): ReturnType<typeof screenRemote> {
    const screened = screenRemote(messages, {
      nodeId: this.#options.nodeId,
      nextSeq,
      wallClockMs: this.#options.clock.nowMs(),
      maxAheadMs: this.#maxAheadMs,
    });
    for (const refusal of screened.outcome.refused) {
      this.#options.refused.labels(refusal.reason).inc();
    }
    return screened;
  }

  /** The fields of a start-up warning when this node's own last stamp is too far ahead. */
  aheadWarning(last: Stamp): { lastStamp: string; aheadMs: number } | undefined {
    return clockAheadWarning(last, this.#options.clock.nowMs(), this.#maxAheadMs);
  }

  /** Logs aheadWarning(last), when there is one, as a start-up warning. */
  warnIfAhead(last: Stamp, logger: Pick<Logger, "warn">): this {
    const ahead = this.aheadWarning(last);
    if (ahead) logger.warn("hybrid clock ahead of the wall clock: peers refuse it", ahead);
    return this;
  }
}
