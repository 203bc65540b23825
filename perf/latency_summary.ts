/**
 * Latency samples and their percentiles. Samples are kept whole (a growable
 * Float64Array, 8 bytes each) and sorted once when summarised, so every
 * percentile is exact rather than bucketed: a full run records a few million
 * samples at most, which is tens of MB.
 *
 * Invariant: summarise() never mutates what was recorded, and percentiles use
 * the nearest-rank definition (p = the smallest sample with at least p% of the
 * samples at or below it).
 * @module
 */

/** Percentiles of one set of latencies, in milliseconds. */
export interface LatencySummary {
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export interface LatencyRecorder {
  /** Adds one sample, in milliseconds. */
  record(latencyMs: number): void;
  /** Adds every sample of another recorder. */
  absorb(other: LatencyRecorder): void;
  /** The samples so far (a view; do not keep it across record()). */
  samples(): Float64Array;
  readonly count: number;
  summarise(): LatencySummary;
}

/** Creates an empty recorder. */
export function createLatencyRecorder(initialCapacity = 1024): LatencyRecorder {
  if (!Number.isInteger(initialCapacity) || initialCapacity < 1) {
    throw new RangeError("Cannot create a latency recorder: initialCapacity must be >= 1");
  }
  let buffer = new Float64Array(initialCapacity);
  let count = 0;
  function ensure(extra: number) {
    if (count + extra <= buffer.length) return;
    let capacity = buffer.length * 2;
    while (capacity < count + extra) capacity *= 2;
    const grown = new Float64Array(capacity);
    grown.set(buffer.subarray(0, count));
    buffer = grown;
  }
  return {
    record(latencyMs) {
      ensure(1);
      buffer[count++] = latencyMs;
    },
    absorb(other) {
      const theirs = other.samples();
      ensure(theirs.length);
      buffer.set(theirs, count);
      count += theirs.length;
    },
    samples: () => buffer.subarray(0, count),
    get count() {
      return count;
    },
    summarise: () => summariseLatencies(buffer.subarray(0, count)),
  };
}

/** Percentiles of the given samples (copied, then sorted). All zero when there are none. */
export function summariseLatencies(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const count = sorted.length;
  if (count === 0) {
    return { count, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
  }
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i];
  const at = (percent: number) => sorted[Math.max(0, Math.ceil((percent / 100) * count) - 1)];
  return {
    count,
    minMs: round3(sorted[0]),
    meanMs: round3(sum / count),
    p50Ms: round3(at(50)),
    p90Ms: round3(at(90)),
    p99Ms: round3(at(99)),
    p999Ms: round3(at(99.9)),
    maxMs: round3(sorted[count - 1]),
  };
}

/** Rounds to microseconds: more digits than that are noise. */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
