/**
 * The summary a chaos run prints: what ran, what broke, and how to run it
 * again. Pure (lines in, lines out), so the wording is tested.
 *
 * Invariant: the first line names the seed and the last line is the verdict
 * with the command that repeats the run.
 * @module
 */

import type { ChaosVerdict } from "./history_check.ts";
import type { ChaosRunResult } from "./run_chaos.ts";
import { ALL_FAULT_KINDS } from "./fault_plan.ts";

export interface ReportInput {
  seed: number;
  nodeCount: number;
  /** How long the fault phase ran. */
  durationMs: number;
  elapsedMs: number;
  networkKind: string;
  skippedFaults?: string;
  convergenceMs?: number;
  verdict: ChaosVerdict;
  /** The command that repeats this run. */
  repeat: string;
  artifactsPath?: string;
}

export function formatReport(input: ReportInput): string[] {
  const { verdict } = input;
  const ops = verdict.operations;
  const store = verdict.store;
  const readers = verdict.readerTotals;
  const faults = ALL_FAULT_KINDS.map((k) => `${k} ${verdict.faultsByKind[k]}`).join(", ");
  const faultCount = Object.values(verdict.faultsByKind).reduce((a, b) => a + b, 0);
  const refusals = Object.entries(verdict.disk.refusals).map(([c, n]) => `${c} ${n}`).join(", ");
  const lines = [
    `chaos: seed ${input.seed}, ${input.nodeCount} nodes, faults for ${
      seconds(input.durationMs)
    }, ` +
    `whole run ${seconds(input.elapsedMs)} (${input.networkKind})`,
    ...(input.skippedFaults ? [`note: ${input.skippedFaults}`] : []),
    `operations: ${ops.sends} sends (+${ops.probeSends} disk probes) in ${ops.attempts} attempts ` +
    `over ${ops.writerConnections} writer connections (${ops.refused} refused, ` +
    `${ops.timeouts} timed out, ${ops.disconnected} cut by a disconnect); ` +
    `${ops.readerConnections} reader connections, ${readers.received} messages read`,
    `faults: ${faultCount} (${faults})`,
    `acked ${store.acked}, lost ${store.lost}, duplicated in history ${store.duplicates}, ` +
    `order mismatches ${store.orderMismatches}, seq gaps ${store.gaps}`,
    `reader duplicates ${readers.liveCovered + readers.replyCovered} ` +
    `(live already covered ${readers.liveCovered}, since reply covered ${readers.replyCovered}), ` +
    `missed ${readers.missed}; sends shown twice unretracted ${readers.unretractedSendDuplicates}; ` +
    `allowed: resume overlaps ${readers.resumeOverlap}, re-reads ${readers.reRead}, ` +
    `sends shown twice to original-style readers ${readers.originalShownTwice}`,
    `disk fills ${verdict.disk.fills}: refusals ${refusals || "none"}, ` +
    `recovered ${verdict.disk.recovered}/${verdict.disk.fills}`,
    `convergence: ${
      input.convergenceMs === undefined
        ? "NOT reached"
        : `${seconds(input.convergenceMs)} after the heal`
    }`,
  ];
  for (const failure of verdict.failures) lines.push(`FAIL: ${failure}`);
  for (
    const detail of [...store.details, ...verdict.readers.flatMap((r) => r.details)].slice(0, 20)
  ) {
    lines.push(`  ${detail}`);
  }
  if (input.artifactsPath) lines.push(`evidence kept in ${input.artifactsPath}`);
  lines.push(`${verdict.ok ? "PASS" : "FAIL"} (seed ${input.seed}; repeat: ${input.repeat})`);
  return lines;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The report of a finished run, as `make chaos` and its `make test` variant print it. */
export function formatRunReport(
  result: ChaosRunResult,
  run: { seed: number; nodeCount: number; repeat: string },
): string[] {
  return formatReport({
    ...run,
    durationMs: result.history.durationMs,
    elapsedMs: result.elapsedMs,
    networkKind: result.networkKind,
    skippedFaults: result.skippedFaults,
    convergenceMs: result.history.convergenceMs,
    verdict: result.verdict,
    artifactsPath: result.artifactsPath,
  });
}
