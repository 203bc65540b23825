/**
 * What a chaos run records, as plain data: every write attempt and its outcome,
 * everything each reader was sent on each connection, every fault, and, after
 * the heal, what each node holds. The checker (history_check.ts) judges only
 * this, so a kept history can be checked again, and the checker table-tested.
 *
 * Invariant: records are appended in the order the harness saw the events; a
 * reader connection's events are in the order its frames arrived.
 * @module
 */

import type { FaultKind } from "./fault_plan.ts";

/** The disk probe's sender name (its sends are counted apart from the writers'). */
export const DISK_PROBE_SENDER = "disk-probe";

/** A vector as on the wire: decimal node id -> highest contiguous seq. */
export type Vector = Record<string, number>;

export type AttemptOutcome =
  | "acked"
  | "refused" // an error frame answered it (errorCode says which)
  | "timeout" // no answer within the ack timeout: the writer moved on
  | "disconnected" // the connection ended before an answer
  | "abandoned"; // the run ended first

/** One send of one clientMsgId to one node. */
export interface WriteAttempt {
  /** Cluster index of the node it went to. */
  node: number;
  atMs: number;
  outcome: AttemptOutcome;
  /** For "acked": the messageId the node answered. */
  messageId?: string;
  /** For "refused": the error code. */
  errorCode?: string;
}

/** One logical message a writer wanted stored: every attempt under one clientMsgId. */
export interface WriteRecord {
  sender: string;
  clientMsgId: string;
  chatId: number;
  attempts: WriteAttempt[];
}

/** A message as a reader saw it (the fields the checks need). */
export interface SeenMessage {
  id: string;
  sender: string;
  clientMsgId?: string;
}

/** What a reader saw on one connection, in arrival order. */
export type ReaderEvent =
  | { t: "since"; ref: string; vector: Vector; chatId?: number }
  | { t: "reply"; ref: string; messages: SeenMessage[]; vector: Vector; more: boolean }
  | { t: "live"; message: SeenMessage }
  | { t: "updated"; id: string; duplicateOf?: string };

export interface ReaderConnection {
  node: number;
  openedAtMs: number;
  events: ReaderEvent[];
}

export interface ReaderRecord {
  name: string;
  /** True for a reader that said hello; false for an original-style one. */
  hello: boolean;
  connections: ReaderConnection[];
}

export interface FaultRecord {
  index: number;
  kind: FaultKind;
  node: number;
  peer?: number;
  clockOffsetMs?: number;
  startedAtMs: number;
  /** Undefined when the heal reverted it. */
  endedAtMs?: number;
  /** Set when applying or reverting it failed. */
  error?: string;
}

/** What happened to the node whose disk was filled, during one fill. */
export interface DiskFillRecord {
  fault: number;
  node: number;
  filledAtMs: number;
  freedAtMs?: number;
  /** Writes the node refused with an error frame while full (code -> count). */
  refusals: Record<string, number>;
  /** messageIds it acknowledged while full (each must be stored). */
  ackedWhileFull: string[];
  /** ms from freeing the space to its first acknowledged write; undefined if none came. */
  recoveredAfterMs?: number;
  /** The node exited while full (it must not). */
  exitedWhileFull: boolean;
}

/** One row of a node's database, read after the run (white-box gap check). */
export interface StoredRow {
  nodeId: number;
  seq: number;
  held: boolean;
  hidden: boolean;
  sender: string;
  clientMsgId?: string;
}

/** One node after the heal. */
export interface NodeFinalState {
  node: number;
  nodeId: number;
  /** From a fresh connection's welcome. */
  vector: Vector;
  /** Every visible message, canonical order, read through the client protocol. */
  messages: Array<
    { messageId: string; nodeId: number; seq: number; sender: string; clientMsgId?: string }
  >;
  /** Every row of its database, when it could be read. */
  rows?: StoredRow[];
}

export interface UnexpectedExit {
  node: number;
  atMs: number;
  code: number | null;
  signal: string | null;
}

export interface ChaosHistory {
  seed: number;
  nodeCount: number;
  durationMs: number;
  writes: WriteRecord[];
  /** Connections the writers opened (a writer moves after a disconnect, timeout or refusal). */
  writerConnections?: number;
  readers: ReaderRecord[];
  faults: FaultRecord[];
  diskFills: DiskFillRecord[];
  unexpectedExits: UnexpectedExit[];
  /** ms from the end of the heal until every node reported the same vector; undefined: never. */
  convergenceMs?: number;
  finals: NodeFinalState[];
}
