/**
 * What a run ran on: the figures RESULTS.md must carry so that a reader knows
 * which machine the numbers belong to (results from different machines are
 * compared only as ratios).
 *
 * Invariant: read-only; a field that cannot be read is "unknown", never a guess.
 * @module
 */

import { spawnSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryTotalMiB: number;
  kernel: string;
  bunVersion: string;
  denoVersion: string;
  openFileLimit?: number;
  /** 1, 5 and 15 minute load averages when read: other work on the machine skews a run. */
  loadAverage: number[];
  /** The same, read when the run started. */
  loadAverageAtStart?: number[];
  date: string;
}

const DENO_PATH = fileURLToPath(new URL("../node_modules/deno/deno", import.meta.url));

/** Reads the machine and runtime facts. */
export function readMachineInfo(
  openFileLimit?: number,
  loadAverageAtStart?: number[],
): MachineInfo {
  let denoVersion = "unknown";
  try {
    const result = spawnSync(DENO_PATH, ["--version"], { encoding: "utf8", timeout: 10_000 });
    denoVersion = result.stdout.split("\n")[0]?.replace(/^deno\s+/, "").trim() || "unknown";
  } catch {
    // stays unknown
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryTotalMiB: Math.round(os.totalmem() / 2 ** 20),
    kernel: `${os.type()} ${os.release()}`,
    bunVersion: Bun.version,
    denoVersion,
    openFileLimit,
    loadAverage: roundLoads(os.loadavg()),
    loadAverageAtStart: loadAverageAtStart && roundLoads(loadAverageAtStart),
    date: new Date().toISOString(),
  };
}

function roundLoads(loads: number[]): number[] {
  return loads.map((load) => Math.round(load * 100) / 100);
}

/** The facts as Markdown bullet lines. */
export function formatMachineInfo(info: MachineInfo): string {
  return [
    `- nproc: ${info.nproc} (${info.cpuModel})`,
    `- memory: ${info.memoryTotalMiB} MiB`,
    `- kernel: ${info.kernel}`,
    `- runtimes: Bun ${info.bunVersion}, Deno ${info.denoVersion}`,
    `- open file limit (per process): ${info.openFileLimit ?? "unknown"}`,
    `- load average (1, 5, 15 min) at the start: ${info.loadAverageAtStart?.join(", ") ?? "?"}; ` +
    `at the end: ${info.loadAverage.join(", ")}`,
    `- date: ${info.date}`,
  ].join("\n");
}
