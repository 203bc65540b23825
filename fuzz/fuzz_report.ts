/**
 * What one fuzz surface found: cases run by label, failures (each with the
 * case, what was expected and what came), and the target's RSS over the run.
 * Shared by every surface so that make fuzz prints and stores one shape.
 *
 * Invariant: at most MAX_FAILURES failures are kept in full; `failureCount`
 * counts them all.
 * @module
 */

import { checkBoundedGrowth } from "../soak/growth_check.ts";

export const MAX_FAILURES = 50;
/** Fewer batches than this are too few to judge a trend (a short run only shows the peak). */
export const RSS_TREND_MIN_SAMPLES = 12;

export interface FuzzFailure {
  label: string;
  input: string;
  expected: string;
  got: string;
}

export interface SurfaceReport {
  surface: string;
  cases: number;
  /** Cases the contract says must be refused, of `cases`. */
  refused: number;
  byLabel: Record<string, number>;
  failureCount: number;
  failures: FuzzFailure[];
  /** Target process RSS in bytes, sampled after each batch: [before, ..., after]. */
  rssBytes: number[];
  elapsedMs: number;
  /** Stored data compared before and after the refused-only phase. */
  unchangedChecked: boolean;
}

export class FuzzRecorder {
  readonly report: SurfaceReport;
  #startMs = performance.now();

  constructor(surface: string) {
    this.report = {
      surface,
      cases: 0,
      refused: 0,
      byLabel: {},
      failureCount: 0,
      failures: [],
      rssBytes: [],
      elapsedMs: 0,
      unchangedChecked: false,
    };
  }

  count(label: string, refused: boolean): void {
    this.report.cases += 1;
    if (refused) this.report.refused += 1;
    this.report.byLabel[label] = (this.report.byLabel[label] ?? 0) + 1;
  }

  fail(failure: FuzzFailure): void {
    this.report.failureCount += 1;
    if (this.report.failures.length < MAX_FAILURES) {
      this.report.failures.push({ ...failure, input: clip(failure.input), got: clip(failure.got) });
    }
  }

  sampleRss(bytes: number | undefined): void {
    if (bytes !== undefined) this.report.rssBytes.push(bytes);
  }

  /**
   * Ends the surface: with enough batches, the target's RSS must not keep growing
   * (medians of the last and middle thirds, soak/growth_check.ts).
   */
  finish(): SurfaceReport {
    this.report.elapsedMs = Math.round(performance.now() - this.#startMs);
    const rss = this.report.rssBytes;
    if (rss.length >= RSS_TREND_MIN_SAMPLES) {
      const verdict = checkBoundedGrowth(rss, { relative: 0.25, absolute: 32 * 1024 * 1024 });
      if (!verdict.ok) {
        this.fail({ label: "rss", input: "", expected: "RSS bounded", got: verdict.reason });
      }
    }
    return this.report;
  }
}

/** Long inputs shortened for a log line. */
export function clip(text: string, maxChars = 300): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}... (${text.length} chars)`;
}

/** One line per surface: cases, failures, time, RSS first and last. */
export function summaryLine(report: SurfaceReport): string {
  const mib = (bytes: number | undefined) =>
    bytes === undefined ? "?" : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const rss = report.rssBytes;
  return `${report.surface}: ${report.cases} cases (${report.refused} refused by contract), ` +
    `${report.failureCount} failures, ${(report.elapsedMs / 1000).toFixed(1)} s, ` +
    `RSS ${mib(rss[0])} -> ${mib(rss[rss.length - 1])} (max ${mib(Math.max(...rss))})`;
}
