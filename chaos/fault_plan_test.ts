import { describe, expect, test } from "bun:test";
import {
  ALL_FAULT_KINDS,
  countByKind,
  MAX_SKEW_MS,
  NETWORK_FAULT_KINDS,
  NODE_FAULT_KINDS,
  NODE_SETTLE_MS,
  planFaults,
  type PlannedFault,
} from "./fault_plan.ts";
import { createSeededRandom } from "./seeded_random.ts";

function plan(seed: number, nodeCount: number, durationMs: number, maxFaults?: number) {
  return planFaults({
    random: createSeededRandom(seed),
    nodeCount,
    durationMs,
    kinds: ALL_FAULT_KINDS,
    maxFaults,
  });
}

function overlapping(faults: PlannedFault[], atMs: number, settle: boolean): PlannedFault[] {
  return faults.filter((f) =>
    f.atMs <= atMs && atMs < f.atMs + f.durationMs + (settle ? NODE_SETTLE_MS : 0)
  );
}

describe("planFaults()", () => {
  test("planFaults() gives the same plan for the same seed and a different one for another", () => {
    expect(plan(1, 3, 60_000)).toEqual(plan(1, 3, 60_000));
    expect(plan(1, 3, 60_000)).not.toEqual(plan(2, 3, 60_000));
  });

  for (const [nodeCount, maxNode, maxNetwork] of [[3, 1, 1], [4, 1, 1], [5, 2, 2]]) {
    test(`planFaults() keeps ${nodeCount}-node plans within ${maxNode} node and ${maxNetwork} network faults at once`, () => {
      for (let seed = 0; seed < 30; seed++) {
        const faults = plan(seed, nodeCount, 120_000);
        expect(faults.length).toBeGreaterThan(0);
        for (const fault of faults) {
          expect(fault.atMs + fault.durationMs).toBeLessThanOrEqual(120_000);
          expect(fault.node >= 0 && fault.node < nodeCount).toBe(true);
          const isNode = (NODE_FAULT_KINDS as readonly string[]).includes(fault.kind);
          const active = overlapping(faults, fault.atMs, true).filter((f) =>
            (NODE_FAULT_KINDS as readonly string[]).includes(f.kind) === isNode
          );
          if (isNode) {
            expect(active.length).toBeLessThanOrEqual(maxNode);
            expect(active.filter((f) => f.node === fault.node).length).toBe(1);
          } else {
            expect(
              overlapping(faults, fault.atMs, false).filter((f) =>
                (NETWORK_FAULT_KINDS as readonly string[]).includes(f.kind)
              ).length,
            ).toBeLessThanOrEqual(maxNetwork);
          }
        }
      }
    });
  }

  test("planFaults() gives cuts a distinct peer and skews a bounded non-zero offset", () => {
    const faults = Array.from({ length: 20 }, (_, seed) => plan(seed, 5, 300_000)).flat();
    const counts = countByKind(faults);
    for (const kind of ALL_FAULT_KINDS) expect(counts[kind]).toBeGreaterThan(0);
    for (const fault of faults) {
      if (fault.kind === "cut" || fault.kind === "cutOneWay") {
        expect(fault.peer).toBeDefined();
        expect(fault.peer).not.toBe(fault.node);
      }
      if (fault.kind === "skew") {
        expect(fault.clockOffsetMs).not.toBe(0);
        expect(Math.abs(fault.clockOffsetMs!)).toBeLessThanOrEqual(MAX_SKEW_MS);
      }
    }
  });

  test("planFaults() stops at maxFaults and uses only the kinds it is given", () => {
    expect(plan(5, 5, 3_600_000, 200).length).toBe(200);
    const noRoot = planFaults({
      random: createSeededRandom(5),
      nodeCount: 3,
      durationMs: 120_000,
      kinds: ["kill", "term", "stop", "skew"],
    });
    expect(noRoot.length).toBeGreaterThan(0);
    for (const fault of noRoot) expect(["kill", "term", "stop", "skew"]).toContain(fault.kind);
  });

  test("planFaults() refuses a cluster of one node and plans nothing in a run shorter than the warmup", () => {
    expect(() => plan(1, 1, 60_000)).toThrow(RangeError);
    expect(plan(1, 3, 2000)).toEqual([]);
  });
});
