/**
 * The nodes' side of the chaos checker, pure: after the heal, every acknowledged
 * send is visible exactly once on every node, every acknowledged messageId is
 * held, every node lists the same messages in the same canonical order, and
 * (from the database rows) every origin's seqs run 1..mark with no gap and no
 * message left held.
 *
 * Invariant: a finding names the node and the message, so a failed run can be
 * read without the checker's source.
 * @module
 */

import { decodeMessageId } from "../common/message_id.ts";
import type { NodeFinalState, Vector, WriteRecord } from "./chaos_history.ts";

export interface StoreFindings {
  /** Sends acknowledged at least once. */
  acked: number;
  /** Acknowledged sends not visible on some node, or an acked messageId some node lacks. */
  lost: number;
  /** (sender, clientMsgId) or messageId visible more than once on a node. */
  duplicates: number;
  /** Nodes whose visible list differs from the first node's. */
  orderMismatches: number;
  /** Nodes whose vector differs from the first node's. */
  vectorMismatches: number;
  /** Per-origin seq gaps, held rows and rows past the vector, over every node's rows. */
  gaps: number;
  /** Hidden rows with no visible copy of their (sender, clientMsgId) on that node. */
  orphanHidden: number;
  /** Up to 20 readable findings. */
  details: string[];
}

const MAX_DETAILS = 20;

function sendKey(sender: string, clientMsgId: string | undefined): string {
  return `${sender}\u0000${clientMsgId ?? ""}`;
}

/** Checks the final states against the writes. */
export function checkStores(writes: WriteRecord[], finals: NodeFinalState[]): StoreFindings {
  const findings: StoreFindings = {
    acked: 0,
    lost: 0,
    duplicates: 0,
    orderMismatches: 0,
    vectorMismatches: 0,
    gaps: 0,
    orphanHidden: 0,
    details: [],
  };
  const note = (text: string) => {
    if (findings.details.length < MAX_DETAILS) findings.details.push(text);
  };
  const visibleBySend = finals.map((final) => countVisible(final, findings, note));
  const rowKeys = finals.map((final) =>
    final.rows ? new Set(final.rows.map((row) => `${row.nodeId}:${row.seq}`)) : undefined
  );
  for (const write of writes) {
    const acks = write.attempts.filter((a) => a.outcome === "acked");
    if (acks.length === 0) continue;
    findings.acked += 1;
    const key = sendKey(write.sender, write.clientMsgId);
    let lost = false;
    finals.forEach((final, i) => {
      const visible = visibleBySend[i].get(key) ?? 0;
      if (visible === 0) {
        lost = true;
        note(`node ${final.node}: acked ${write.sender}/${write.clientMsgId} is not visible`);
      }
      for (const ack of acks) {
        if (!holds(final, rowKeys[i], ack.messageId!)) {
          lost = true;
          note(`node ${final.node}: acked messageId ${ack.messageId} is not held`);
        }
      }
    });
    if (lost) findings.lost += 1;
  }
  compareNodes(finals, findings, note);
  for (const final of finals) checkRows(final, findings, note);
  return findings;
}

/** Visible count per send on one node; notes duplicates of a send or a messageId. */
function countVisible(
  final: NodeFinalState,
  findings: StoreFindings,
  note: (text: string) => void,
): Map<string, number> {
  const bySend = new Map<string, number>();
  const ids = new Set<string>();
  for (const message of final.messages) {
    if (ids.has(message.messageId)) {
      findings.duplicates += 1;
      note(`node ${final.node}: messageId ${message.messageId} listed twice`);
    }
    ids.add(message.messageId);
    if (message.clientMsgId === undefined) continue;
    const key = sendKey(message.sender, message.clientMsgId);
    const count = (bySend.get(key) ?? 0) + 1;
    bySend.set(key, count);
    if (count === 2) {
      findings.duplicates += 1;
      note(`node ${final.node}: ${message.sender}/${message.clientMsgId} visible twice`);
    }
  }
  return bySend;
}

/** True when the node's vector (and its rows, when read) covers the messageId. */
function holds(
  final: NodeFinalState,
  rowKeys: Set<string> | undefined,
  messageId: string,
): boolean {
  const key = decodeMessageId(messageId);
  if (!key) return false;
  if ((final.vector[String(key.nodeId)] ?? 0) < key.seq) return false;
  return !rowKeys || rowKeys.has(`${key.nodeId}:${key.seq}`);
}

function compareNodes(
  finals: NodeFinalState[],
  findings: StoreFindings,
  note: (text: string) => void,
): void {
  const [first, ...others] = finals;
  if (!first) return;
  const reference = first.messages.map((m) => m.messageId);
  for (const final of others) {
    if (!sameVector(final.vector, first.vector)) {
      findings.vectorMismatches += 1;
      note(
        `node ${final.node} vector ${JSON.stringify(final.vector)} != node ${first.node} ` +
          JSON.stringify(first.vector),
      );
    }
    const ids = final.messages.map((m) => m.messageId);
    const at = firstDifference(reference, ids);
    if (at >= 0) {
      findings.orderMismatches += 1;
      note(
        `node ${final.node} differs from node ${first.node} at position ${at}: ` +
          `${ids[at] ?? "(end)"} vs ${reference[at] ?? "(end)"}`,
      );
    }
  }
}

export function sameVector(a: Vector, b: Vector): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if ((a[key] ?? 0) !== (b[key] ?? 0)) return false;
  return true;
}

function firstDifference(a: string[], b: string[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Per origin 1..mark with no gap, nothing held, each hidden row's send visible. */
function checkRows(
  final: NodeFinalState,
  findings: StoreFindings,
  note: (text: string) => void,
): void {
  if (!final.rows) return;
  const seqsByOrigin = new Map<number, number[]>();
  const visibleSends = new Set<string>();
  for (const row of final.rows) {
    const seqs = seqsByOrigin.get(row.nodeId);
    if (seqs) seqs.push(row.seq);
    else seqsByOrigin.set(row.nodeId, [row.seq]);
    if (row.held) {
      findings.gaps += 1;
      note(`node ${final.node}: ${row.nodeId}:${row.seq} is still held`);
    }
    if (!row.held && !row.hidden) visibleSends.add(sendKey(row.sender, row.clientMsgId));
  }
  for (const [origin, seqs] of seqsByOrigin) {
    seqs.sort((x, y) => x - y);
    const mark = final.vector[String(origin)] ?? 0;
    seqs.forEach((seq, i) => {
      if (seq !== i + 1) {
        findings.gaps += 1;
        note(`node ${final.node}: origin ${origin} has seq ${seq} at position ${i + 1}`);
      }
    });
    if (seqs.length !== mark) {
      findings.gaps += 1;
      note(`node ${final.node}: origin ${origin} has ${seqs.length} rows, vector says ${mark}`);
    }
  }
  for (const [origin, mark] of Object.entries(final.vector)) {
    if (mark > 0 && !seqsByOrigin.has(Number(origin))) {
      findings.gaps += 1;
      note(`node ${final.node}: origin ${origin} has no rows, vector says ${mark}`);
    }
  }
  for (const row of final.rows) {
    if (row.hidden && !visibleSends.has(sendKey(row.sender, row.clientMsgId))) {
      findings.orphanHidden += 1;
      note(`node ${final.node}: hidden ${row.nodeId}:${row.seq} has no visible copy`);
    }
  }
}
