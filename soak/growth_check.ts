/**
 * Whether a sampled quantity (RSS, open files, WAL size) grows without bound:
 * the series is cut in thirds, the first is warm-up, and the median of the last
 * third may exceed the median of the middle third by at most a relative and an
 * absolute tolerance. Medians, not maxima, so one garbage-collection peak or
 * one checkpoint does not decide; thirds, so a slow steady climb does.
 *
 * Invariant: pure; a series too short to judge is reported as such, never as ok.
 * @module
 */

export interface GrowthOptions {
  /** Allowed rise of the late median over the middle one, as a fraction. @default 0.2 */
  relative?: number;
  /** Allowed rise on top of that, in the series' unit. @default 0 */
  absolute?: number;
  /** Fewer samples than this cannot be judged. @default 9 */
  minSamples?: number;
}

export interface GrowthVerdict {
  ok: boolean;
  /** One sentence: the medians compared and the limit. */
  reason: string;
  middleMedian?: number;
  lateMedian?: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function checkBoundedGrowth(
  values: readonly number[],
  options: GrowthOptions = {},
): GrowthVerdict {
  const { relative = 0.2, absolute = 0, minSamples = 9 } = options;
  if (values.length < minSamples) {
    return {
      ok: false,
      reason: `${values.length} samples, fewer than the ${minSamples} needed to judge growth`,
    };
  }
  const third = Math.floor(values.length / 3);
  const middleMedian = median(values.slice(third, 2 * third));
  const lateMedian = median(values.slice(2 * third));
  const limit = middleMedian * (1 + relative) + absolute;
  const ok = lateMedian <= limit;
  return {
    ok,
    reason: `late median ${round(lateMedian)} ${ok ? "<=" : ">"} ${round(limit)} ` +
      `(middle median ${round(middleMedian)} + ${relative * 100}% + ${round(absolute)})`,
    middleMedian,
    lateMedian,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
