import { describe, expect, test } from "bun:test";
import { createLatencyRecorder, summariseLatencies } from "./latency_summary.ts";

describe("summariseLatencies()", () => {
  test("uses nearest-rank percentiles over 1..100", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    const summary = summariseLatencies(samples);
    expect(summary).toEqual({
      count: 100,
      minMs: 1,
      meanMs: 50.5,
      p50Ms: 50,
      p90Ms: 90,
      p99Ms: 99,
      p999Ms: 100,
      maxMs: 100,
    });
  });

  test("is all zero for no samples", () => {
    expect(summariseLatencies([]).count).toBe(0);
    expect(summariseLatencies([]).p99Ms).toBe(0);
  });

  test("a single sample is every percentile", () => {
    const summary = summariseLatencies([2.5]);
    expect([summary.p50Ms, summary.p999Ms, summary.minMs, summary.maxMs]).toEqual([
      2.5,
      2.5,
      2.5,
      2.5,
    ]);
  });
});

describe("createLatencyRecorder()", () => {
  test("grows past its initial capacity and keeps every sample", () => {
    const recorder = createLatencyRecorder(2);
    for (let i = 1; i <= 1000; i++) recorder.record(i / 10);
    expect(recorder.count).toBe(1000);
    expect(recorder.summarise().maxMs).toBe(100);
    expect(recorder.summarise().p50Ms).toBe(50);
  });

  test("absorb() adds another recorder's samples", () => {
    const a = createLatencyRecorder(1);
    const b = createLatencyRecorder(1);
    a.record(1);
    b.record(3);
    b.record(2);
    a.absorb(b);
    expect(Array.from(a.samples())).toEqual([1, 3, 2]);
  });

  test("rejects a bad capacity", () => {
    expect(() => createLatencyRecorder(0)).toThrow(RangeError);
  });
});
