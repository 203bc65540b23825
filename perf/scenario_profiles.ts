/**
 * The size of every scenario in the two profiles: `full` (the shapes,
 * run by hand with `make perf`) and `smoke` (the same shapes scaled down so
 * `make test` runs them all in well under 90 s on a loaded 2-core machine).
 *
 * Invariant: every count here is finite, so every load loop of a run is
 * bounded; the smoke profile never asserts timing, only correctness.
 * @module
 */

export type ProfileName = "full" | "smoke";

export interface ScenarioProfile {
  name: ProfileName;
  /** HTTP loads: a duration (full) or a request count (smoke). */
  http: { durationSeconds?: number; requests?: number; connections: number };
  /** (a) the original tool's shape. */
  original: { messages: number; pushers: number; receiversPerNode: number };
  /** (b) throughput at full speed. */
  throughput: { messages: number; pushers: number; receiversPerNode: number; window: number };
  /** (c) a fixed rate, this share of (b)'s message rate, for this long; (c2) the same at a higher share. */
  latency: {
    shareOfThroughput: number;
    highShareOfThroughput: number;
    seconds: number;
    fallbackRatePerSecond: number;
  };
  /** (d) one pusher, many receivers. */
  fanout: { messages: number; receivers: number; window: number };
  /** (e) idle connections to try on one node (capped by the fd limit). */
  idle: { target: number };
  /** (f) messages the others hold when a node joins empty. */
  catchUp: { messages: number };
  /** (g) (b)'s shape plus one connection per node that never reads. */
  slowReader: { messages: number };
}

export const PROFILES: Record<ProfileName, ScenarioProfile> = {
  full: {
    name: "full",
    http: { durationSeconds: 10, connections: 16 },
    original: { messages: 8_000, pushers: 3, receiversPerNode: 1 },
    throughput: { messages: 200_000, pushers: 3, receiversPerNode: 1, window: 1_000 },
    latency: {
      shareOfThroughput: 0.25,
      highShareOfThroughput: 0.5,
      seconds: 10,
      fallbackRatePerSecond: 5_000,
    },
    fanout: { messages: 1_000, receivers: 1_000, window: 100 },
    idle: { target: 19_000 },
    catchUp: { messages: 1_000_000 },
    slowReader: { messages: 100_000 },
  },
  smoke: {
    name: "smoke",
    http: { requests: 300, connections: 8 },
    original: { messages: 8_000, pushers: 3, receiversPerNode: 1 },
    throughput: { messages: 20_000, pushers: 3, receiversPerNode: 1, window: 1_000 },
    latency: {
      shareOfThroughput: 0.25,
      highShareOfThroughput: 0.5,
      seconds: 2,
      fallbackRatePerSecond: 2_000,
    },
    fanout: { messages: 200, receivers: 100, window: 100 },
    idle: { target: 500 },
    catchUp: { messages: 5_000 },
    slowReader: { messages: 30_000 },
  },
};

/** The scenario keys, in run order. */
export const SCENARIO_KEYS = [
  "http-post",
  "http-get",
  "http-clients",
  "a",
  "b",
  "c",
  "c2",
  "d",
  "e",
  "g",
  "f",
] as const;
export type ScenarioKey = typeof SCENARIO_KEYS[number];
