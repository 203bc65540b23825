/**
 * The evidence of a failed chaos run, kept under `<root>/chaos-<seed>/`: the
 * whole history (history.json, which `chaos/main.ts --check` can judge again),
 * the verdict, every node's log and discovery's output.
 *
 * Invariant: keeping evidence never throws (a run that failed must still clean
 * up); it returns the folder, or undefined when nothing could be written.
 * @module
 */

import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { ChaosHistory } from "./chaos_history.ts";
import type { ChaosCluster } from "./chaos_cluster.ts";
import type { ChaosVerdict } from "./history_check.ts";

export interface ArtifactsInput {
  root: string;
  history: ChaosHistory;
  verdict?: ChaosVerdict;
  runDir: string;
  cluster: ChaosCluster;
}

export function keepArtifacts(input: ArtifactsInput): string | undefined {
  const folder = resolve(input.root, `chaos-${input.history.seed}`);
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "history.json"), JSON.stringify(input.history));
    if (input.verdict) {
      const { readers, ...summary } = input.verdict;
      writeFileSync(join(folder, "verdict.json"), JSON.stringify({ ...summary, readers }, null, 2));
    }
    for (const node of input.cluster.nodes) {
      if (existsSync(node.logPath)) {
        copyFileSync(node.logPath, join(folder, basename(node.logPath)));
      }
    }
    const discovery = input.cluster.discovery;
    if (discovery) {
      writeFileSync(
        join(folder, "discovery.log"),
        `${discovery.stdoutLines().join("\n")}\n--- stderr ---\n${discovery.stderrText()}`,
      );
    }
    return folder;
  } catch {
    return undefined;
  }
}
