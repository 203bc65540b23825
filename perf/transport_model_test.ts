import { describe, expect, test } from "bun:test";
import { buildModel, fitLine, type TransportSample } from "./transport_model.ts";

const sample = (
  transport: "mesh" | "nats",
  nodes: number,
  cpu: number,
  wire: number,
  origin: number,
): TransportSample => ({
  transport,
  nodes,
  messages: 1000,
  nodeCpuMsPerMessage: cpu,
  natsCpuMsPerMessage: 0,
  wireBytesPerMessage: wire,
  originBytesPerMessage: origin,
});

describe("transport model", () => {
  test("fitLine() goes through both points and refuses one N twice", () => {
    expect(fitLine([3, 10], [5, 14])).toEqual({ intercept: 4, slope: 2 });
    expect(() => fitLine([3, 1], [3, 2])).toThrow(/Cannot fit/);
  });

  test("buildModel() extrapolates each cost and finds where the backbone gets cheaper", () => {
    const model = buildModel([
      sample("mesh", 3, 0.2, 600, 600),
      sample("mesh", 5, 0.4, 1200, 1200),
      sample("nats", 3, 0.5, 1500, 400),
      sample("nats", 5, 0.62, 2300, 400),
    ], [3, 10, 50]);
    expect(model.rows.map((r) => r.meshLinks)).toEqual([3, 45, 1225]);
    expect(model.rows[1].meshCpuMs).toBeCloseTo(0.9);
    expect(model.rows[1].backboneCpuMs).toBeCloseTo(0.92);
    expect(model.cpuCrossover).toBe(11);
    expect(model.wireBytesCrossover).toBe(null);
    expect(model.originBytesCrossover).toBe(3);
  });
});
