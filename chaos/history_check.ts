/**
 * The chaos checker, pure: judges a recorded ChaosHistory and says whether the
 * run kept the contract's promises (sections 3 and 7), with the figures the
 * report prints. The nodes' side is store_check.ts, the readers' side
 * reader_check.ts; this file adds the disk fills, the process exits, and the
 * verdict.
 *
 * Invariant: ok is true only when failures is empty; every failure is one line
 * that names what broke.
 * @module
 */

import { countByKind, type FaultKind } from "./fault_plan.ts";
import { type ChaosHistory, DISK_PROBE_SENDER, type DiskFillRecord } from "./chaos_history.ts";
import { checkReader, type ReaderFindings, zeroReaderCounts } from "./reader_check.ts";
import { checkStores, type StoreFindings } from "./store_check.ts";

/** The readers' counts, summed over every reader. */
export type ReaderTotals = Pick<
  ReaderFindings,
  | "received"
  | "liveCovered"
  | "replyCovered"
  | "resumeOverlap"
  | "reRead"
  | "unretractedSendDuplicates"
  | "originalShownTwice"
  | "missed"
>;

export interface ChaosVerdict {
  ok: boolean;
  failures: string[];
  store: StoreFindings;
  readers: ReaderFindings[];
  readerTotals: ReaderTotals;
  operations: {
    /** Writers' sends (each clientMsgId once). */
    sends: number;
    /** The disk probe's sends to a filled node. */
    probeSends: number;
    writerConnections: number;
    attempts: number;
    refused: number;
    timeouts: number;
    disconnected: number;
    readerConnections: number;
  };
  faultsByKind: Record<FaultKind, number>;
  disk: { fills: number; refusals: Record<string, number>; recovered: number };
}

/** Error codes a node may use to refuse a write it cannot store. */
export const STORAGE_REFUSAL_CODES = ["storage_full", "unavailable"];

export function checkHistory(history: ChaosHistory): ChaosVerdict {
  const failures: string[] = [];
  const store = checkStores(history.writes, history.finals);
  const finalMessages = history.finals[0]?.messages ?? [];
  const readers = history.readers.map((reader) => checkReader(reader, finalMessages));
  const readerTotals = sumReaders(readers);

  if (history.finals.length !== history.nodeCount) {
    failures.push(`read ${history.finals.length} of ${history.nodeCount} nodes after the heal`);
  }
  if (history.convergenceMs === undefined) failures.push("the nodes did not converge");
  const storeCounts: Array<[keyof StoreFindings, string]> = [
    ["lost", "acknowledged sends lost"],
    ["duplicates", "duplicates in a node's history"],
    ["orderMismatches", "nodes in a different order"],
    ["vectorMismatches", "nodes with a different vector"],
    ["gaps", "per-origin seq gaps or held rows"],
    ["orphanHidden", "hidden copies with no visible send"],
  ];
  for (const [key, label] of storeCounts) {
    if ((store[key] as number) > 0) failures.push(`${store[key]} ${label}`);
  }
  const readerCounts: Array<[keyof ReaderTotals, string]> = [
    ["liveCovered", "live deliveries a reader's since or earlier delivery already covered"],
    ["replyCovered", "since replies repeating what their request covered"],
    ["missed", "messages a reader never received"],
    ["unretractedSendDuplicates", "sends a hello reader saw twice, unretracted by duplicateOf"],
  ];
  for (const [key, label] of readerCounts) {
    if (readerTotals[key] > 0) failures.push(`${readerTotals[key]} ${label}`);
  }
  for (const exit of history.unexpectedExits) {
    failures.push(`node ${exit.node} exited on its own at ${exit.atMs} ms (code ${exit.code})`);
  }
  for (const fault of history.faults) {
    if (fault.error) failures.push(`fault ${fault.index} (${fault.kind}): ${fault.error}`);
  }
  const disk = checkDiskFills(history.diskFills, failures);
  return {
    ok: failures.length === 0,
    failures,
    store,
    readers,
    readerTotals,
    operations: countOperations(history),
    faultsByKind: countByKind(history.faults),
    disk,
  };
}

function sumReaders(readers: ReaderFindings[]): ReaderTotals {
  const totals: ReaderTotals = zeroReaderCounts();
  for (const reader of readers) {
    for (const key of Object.keys(totals) as Array<keyof ReaderTotals>) totals[key] += reader[key];
  }
  return totals;
}

/** Each fill: refused with a storage code, never exited, wrote again once freed. */
function checkDiskFills(fills: DiskFillRecord[], failures: string[]): ChaosVerdict["disk"] {
  const refusals: Record<string, number> = {};
  let recovered = 0;
  for (const fill of fills) {
    let refused = 0;
    for (const [code, count] of Object.entries(fill.refusals)) {
      refusals[code] = (refusals[code] ?? 0) + count;
      if (STORAGE_REFUSAL_CODES.includes(code)) refused += count;
    }
    const where = `disk fill ${fill.fault} on node ${fill.node}`;
    if (fill.exitedWhileFull) failures.push(`${where}: the node exited while its disk was full`);
    if (refused === 0) failures.push(`${where}: no write was refused with a storage error`);
    if (fill.recoveredAfterMs === undefined) {
      failures.push(`${where}: no write was acknowledged after the space came back`);
    } else recovered += 1;
  }
  return { fills: fills.length, refusals, recovered };
}

function countOperations(history: ChaosHistory): ChaosVerdict["operations"] {
  let attempts = 0;
  let refused = 0;
  let timeouts = 0;
  let disconnected = 0;
  let probeSends = 0;
  for (const write of history.writes) {
    if (write.sender === DISK_PROBE_SENDER) probeSends += 1;
    for (const attempt of write.attempts) {
      attempts += 1;
      if (attempt.outcome === "refused") refused += 1;
      if (attempt.outcome === "timeout") timeouts += 1;
      if (attempt.outcome === "disconnected") disconnected += 1;
    }
  }
  const readerConnections = history.readers.reduce((n, r) => n + r.connections.length, 0);
  return {
    sends: history.writes.length - probeSends,
    probeSends,
    writerConnections: history.writerConnections ?? 0,
    attempts,
    refused,
    timeouts,
    disconnected,
    readerConnections,
  };
}
