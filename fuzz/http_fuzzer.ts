/**
 * Runs HTTP fuzz cases against one server (discovery or a node) the same way
 * for both: a mixed half, then a refused-only half around which the caller's
 * snapshot of the stored state must not change, a few requests at a time,
 * with the process's health and RSS checked after every batch.
 *
 * Invariant: every answer is checked (httpProblem); a 2xx tells the case's
 * source what it accepted before the next batch is drawn.
 * @module
 */

import { readRssBytes } from "../soak/process_stats.ts";
import { FuzzRecorder, type SurfaceReport } from "./fuzz_report.ts";
import { type HttpCase, httpProblem, sendHttpCase } from "./http_case.ts";

export interface HttpSurface {
  name: string;
  baseUrl: string;
  pid: number | undefined;
  next(options: { refusedOnly: boolean }): HttpCase;
  /** Everything the refused-only half must leave as it is, as comparable text. */
  snapshot(): Promise<string>;
  /** Called before the first snapshot (restore what the mixed half changed on purpose). */
  beforeUnchanged?(): Promise<void>;
  /** A valid request after the refused-only half; a problem as text. */
  proveStillWorks(): Promise<string | undefined>;
}

async function healthy(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

async function runOne(
  surface: HttpSurface,
  testCase: HttpCase,
  recorder: FuzzRecorder,
): Promise<void> {
  const outcome = await sendHttpCase(surface.baseUrl, testCase);
  const problem = httpProblem(testCase, outcome);
  if (problem !== undefined) {
    const input =
      `${testCase.method} ${testCase.path.slice(0, 200)} ${JSON.stringify(testCase.headers)} ` +
      (testCase.body ? new TextDecoder().decode(testCase.body) : testCase.raw ? "<raw>" : "");
    recorder.fail({
      label: testCase.label,
      input,
      expected: `status ${testCase.statuses.join("|") || "any but 5xx"}`,
      got: `${problem}: ${outcome.bodyText}`,
    });
  } else if (outcome.status >= 200 && outcome.status < 300 && testCase.onAccepted) {
    try {
      testCase.onAccepted(JSON.parse(outcome.bodyText));
    } catch { /* a 2xx without JSON was reported by httpProblem's caller already */ }
  }
}

async function runPhase(
  surface: HttpSurface,
  recorder: FuzzRecorder,
  run: { cases: number; refusedOnly: boolean; concurrency: number; batchSize: number },
): Promise<boolean> {
  for (let done = 0; done < run.cases;) {
    const batch: HttpCase[] = [];
    for (; done < run.cases && batch.length < run.batchSize; done++) {
      const testCase = surface.next({ refusedOnly: run.refusedOnly });
      recorder.count(testCase.label, testCase.refused);
      batch.push(testCase);
    }
    let next = 0;
    const worker = async () => {
      while (next < batch.length) await runOne(surface, batch[next++], recorder);
    };
    await Promise.all(Array.from({ length: run.concurrency }, worker));
    recorder.sampleRss(await readRssBytes(surface.pid));
    if (!(await healthy(surface.baseUrl))) {
      recorder.fail({ label: "health", input: "", expected: "/healthz 200", got: "no answer" });
      return false;
    }
  }
  return true;
}

export async function fuzzHttpSurface(
  surface: HttpSurface,
  options: { cases: number; concurrency?: number; batchSize?: number },
): Promise<SurfaceReport> {
  const recorder = new FuzzRecorder(surface.name);
  recorder.sampleRss(await readRssBytes(surface.pid));
  const run = { concurrency: options.concurrency ?? 8, batchSize: options.batchSize ?? 500 };
  const mixed = Math.ceil(options.cases / 2);
  if (!(await runPhase(surface, recorder, { ...run, cases: mixed, refusedOnly: false }))) {
    return recorder.finish();
  }
  await surface.beforeUnchanged?.();
  const before = await surface.snapshot();
  if (
    !(await runPhase(surface, recorder, {
      ...run,
      cases: options.cases - mixed,
      refusedOnly: true,
    }))
  ) {
    return recorder.finish();
  }
  const after = await surface.snapshot();
  if (after !== before) {
    recorder.fail({
      label: "unchanged",
      input: "refused requests only",
      expected: before,
      got: after,
    });
  }
  recorder.report.unchangedChecked = true;
  const problem = await surface.proveStillWorks();
  if (problem) {
    recorder.fail({
      label: "still works",
      input: "",
      expected: "a valid request accepted",
      got: problem,
    });
  }
  return recorder.finish();
}
