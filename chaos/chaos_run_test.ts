/**
 * `make chaos` in `make test`: a 60-second run against discovery and three real
 * nodes with every fault kind (cuts and disk fills as root), then the history
 * check. The seed is random unless CHAOS_SEED pins it, and always printed, so a
 * failure can be run again with `make chaos SEED=...`.
 */
import { expect, test } from "bun:test";
import process from "node:process";
import { formatRunReport } from "./chaos_report.ts";
import { runChaos } from "./run_chaos.ts";
import { MAX_SEED } from "./seeded_random.ts";

const DURATION_S = 60;
const NODES = 3;

test(
  `runChaos() over ${NODES} nodes for ${DURATION_S} s loses nothing, duplicates nothing and converges`,
  async () => {
    const pinned = process.env.CHAOS_SEED;
    const seed = pinned ? Number(pinned) : Math.floor(Math.random() * MAX_SEED);
    console.log(`chaos: seed ${seed}`);
    const result = await runChaos({
      seed,
      nodeCount: NODES,
      durationMs: DURATION_S * 1000,
      artifactsRoot: "test-artifacts",
      log: (line) => console.log(`chaos: ${line}`),
    });
    const report = formatRunReport(result, {
      seed,
      nodeCount: NODES,
      repeat: `make chaos SEED=${seed} NODES=${NODES} DURATION=${DURATION_S}`,
    });
    for (const line of report) console.log(line);
    expect(result.verdict.failures).toEqual([]);
    expect(result.verdict.store.acked).toBeGreaterThan(1000);
    expect(Object.values(result.verdict.faultsByKind).reduce((a, b) => a + b, 0)).toBeGreaterThan(
      5,
    );
  },
  600_000,
);
