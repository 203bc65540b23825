/**
 * The readers' side of the chaos checker, pure. Per reader, over its
 * connections in order, it sorts every message that reached the reader more
 * than once into what the node did wrong and what the reader asked for:
 *
 * - liveCovered: a live frame at or below what the connection's answered `since`
 *   requests, their replies or an earlier live frame already covered (the node had
 *   read the request, so it must skip it), which includes the same message live twice;
 * - replyCovered: a `since` reply listing a message its own request covered;
 * - resumeOverlap (allowed, docs/SERVER.md): the request and a live frame crossed:
 *   a message that arrived live before the `since` reply that also lists it, or a
 *   live frame that a request still unanswered covered (the node sent it before it
 *   read the request: a node thawing from SIGSTOP flushes its backlog that way);
 * - reRead (allowed): a message from an earlier connection that the reader's own
 *   resume vector did not cover (it dropped mid-page).
 *
 * It also counts sends seen under two messageIds that no `messageUpdated` with
 * `duplicateOf` retracted (on any of the reader's connections): for a `hello`
 * reader they are the node's fault (contract section 7), for an original-style
 * one they are allowed (section 7's events never reach it) and counted apart;
 * and final visible messages the reader never got (neither that messageId nor
 * another copy of its send): a gap.
 *
 * Invariant: liveCovered, replyCovered and unretractedSendDuplicates are the
 * node's faults and must be 0.
 * @module
 */

import { decodeMessageId } from "../common/message_id.ts";
import type {
  NodeFinalState,
  ReaderEvent,
  ReaderRecord,
  SeenMessage,
  Vector,
} from "./chaos_history.ts";

export interface ReaderFindings {
  name: string;
  connections: number;
  /** Messages received, counting every arrival. */
  received: number;
  liveCovered: number;
  replyCovered: number;
  resumeOverlap: number;
  reRead: number;
  /** A hello reader's sends seen under two or more messageIds, not all but one retracted. */
  unretractedSendDuplicates: number;
  /** The same for an original-style reader (allowed: it never hears `duplicateOf`). */
  originalShownTwice: number;
  /** Final visible messages it never received in any copy. */
  missed: number;
  details: string[];
}

/** A reader's counts, every one of them zero (one reader's start, or the start of a sum). */
export function zeroReaderCounts(): Omit<ReaderFindings, "name" | "connections" | "details"> {
  return {
    received: 0,
    liveCovered: 0,
    replyCovered: 0,
    resumeOverlap: 0,
    reRead: 0,
    unretractedSendDuplicates: 0,
    originalShownTwice: 0,
    missed: 0,
  };
}

const MAX_DETAILS = 10;

interface WalkState {
  findings: ReaderFindings;
  /** Every messageId the reader received, on any connection. */
  had: Set<string>;
  /** send key -> messageIds received for it. */
  idsBySend: Map<string, Set<string>>;
  retracted: Set<string>;
}

function covered(vector: Vector, id: string): boolean {
  const key = decodeMessageId(id);
  return key !== null && key.seq <= (vector[String(key.nodeId)] ?? 0);
}

function raise(vector: Vector, id: string): void {
  const key = decodeMessageId(id);
  if (!key) return;
  const origin = String(key.nodeId);
  if (key.seq > (vector[origin] ?? 0)) vector[origin] = key.seq;
}

function mergeInto(target: Vector, source: Vector): void {
  for (const [origin, seq] of Object.entries(source)) {
    if (seq > (target[origin] ?? 0)) target[origin] = seq;
  }
}

/** Checks one reader's record against the final visible messages. */
export function checkReader(
  reader: ReaderRecord,
  finalMessages: NodeFinalState["messages"],
): ReaderFindings {
  const findings: ReaderFindings = {
    name: reader.name,
    connections: reader.connections.length,
    ...zeroReaderCounts(),
    details: [],
  };
  const state: WalkState = { findings, had: new Set(), idsBySend: new Map(), retracted: new Set() };
  for (const [index, connection] of reader.connections.entries()) {
    walkConnection(state, index, connection.events);
  }
  for (const ids of state.idsBySend.values()) {
    const shown = [...ids].filter((id) => !state.retracted.has(id));
    if (shown.length <= 1) continue;
    if (!reader.hello) findings.originalShownTwice += 1;
    else {
      findings.unretractedSendDuplicates += 1;
      note(findings, `shown under ${shown.join(" and ")}, none retracted`);
    }
  }
  for (const message of finalMessages) {
    if (state.had.has(message.messageId)) continue;
    const send = `${message.sender}\u0000${message.clientMsgId ?? ""}`;
    if (message.clientMsgId !== undefined && state.idsBySend.has(send)) continue;
    findings.missed += 1;
    note(findings, `never received ${message.messageId}`);
  }
  return findings;
}

function note(findings: ReaderFindings, text: string): void {
  if (findings.details.length < MAX_DETAILS) findings.details.push(`${findings.name}: ${text}`);
}

function walkConnection(state: WalkState, index: number, events: ReaderEvent[]): void {
  const { findings } = state;
  /** What this connection was given or claimed: the node must not send it live again. */
  const given: Vector = {};
  const requests = new Map<string, Vector>();
  const gotHere = new Set<string>();
  const receive = (message: SeenMessage) => {
    findings.received += 1;
    state.had.add(message.id);
    gotHere.add(message.id);
    if (message.clientMsgId === undefined) return;
    const sendKey = `${message.sender}\u0000${message.clientMsgId}`;
    const ids = state.idsBySend.get(sendKey) ?? new Set<string>();
    ids.add(message.id);
    state.idsBySend.set(sendKey, ids);
  };
  /** Requests sent and not answered yet: the node may not have read them. */
  const unanswered = new Map<string, Vector>();
  for (const event of events) {
    if (event.t === "since") {
      requests.set(event.ref, event.vector);
      if (event.chatId === undefined) unanswered.set(event.ref, event.vector);
    } else if (event.t === "reply") {
      const asked = requests.get(event.ref) ?? {};
      if (unanswered.delete(event.ref)) mergeInto(given, asked);
      for (const message of event.messages) {
        if (covered(asked, message.id)) {
          findings.replyCovered += 1;
          note(findings, `connection ${index}: reply ${event.ref} lists covered ${message.id}`);
        } else if (gotHere.has(message.id)) findings.resumeOverlap += 1;
        else if (state.had.has(message.id)) findings.reRead += 1;
        receive(message);
      }
      mergeInto(given, event.vector);
    } else if (event.t === "live") {
      const { id } = event.message;
      if (covered(given, id)) {
        findings.liveCovered += 1;
        note(findings, `connection ${index}: live ${id} was already covered`);
      } else if ([...unanswered.values()].some((vector) => covered(vector, id))) {
        findings.resumeOverlap += 1;
      } else if (state.had.has(id)) findings.reRead += 1;
      raise(given, id);
      receive(event.message);
    } else if (event.duplicateOf !== undefined) {
      state.retracted.add(event.id);
    }
  }
}
