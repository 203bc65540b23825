/**
 * HTTP load with autocannon (as a library): a fixed number of requests (short
 * variant) or a fixed duration (full run) against one URL, summarised in the
 * harness's own units.
 *
 * Invariant: `ok` is true only when every reply had the expected status and
 * nothing errored or timed out; the counts that say otherwise are returned.
 * @module
 */

import autocannon from "autocannon";

export interface HttpLoadOptions {
  url: string;
  method?: "GET" | "POST";
  /** JSON-encoded and sent with content-type application/json. */
  body?: unknown;
  /** Every reply must have this status. @default 200 */
  expectedStatus?: number;
  /** @default 16 */
  connections?: number;
  /** Run for this long... */
  durationSeconds?: number;
  /** ...or stop after this many requests (takes precedence). */
  requests?: number;
}

export interface HttpLoadResult {
  url: string;
  method: string;
  ok: boolean;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Replies with another status than the expected one. */
  unexpectedStatus: number;
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  durationSeconds: number;
}

/** Runs one autocannon load and summarises it. */
export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const method = options.method ?? "GET";
  const expectedStatus = options.expectedStatus ?? 200;
  if (options.requests === undefined && options.durationSeconds === undefined) {
    throw new RangeError("Cannot run HTTP load: give requests or durationSeconds");
  }
  const startedAt = performance.now();
  const result = await autocannon({
    url: options.url,
    method,
    connections: options.connections ?? 16,
    timeout: 20,
    ...(options.requests !== undefined
      ? { amount: options.requests }
      : { duration: options.durationSeconds }),
    ...(options.body !== undefined
      ? { body: JSON.stringify(options.body), headers: { "content-type": "application/json" } }
      : {}),
  });
  // Our own clock: autocannon's duration has whole-second steps, too coarse for short runs.
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  const statusCounts: Record<string, number> = {};
  let requests = 0;
  for (const [status, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[status] = Number(stat.count);
    requests += Number(stat.count);
  }
  const unexpectedStatus = requests - (statusCounts[String(expectedStatus)] ?? 0);
  return {
    url: options.url,
    method,
    ok: unexpectedStatus === 0 && result.errors === 0 && result.timeouts === 0 && requests > 0,
    requests,
    requestsPerSecond: elapsedSeconds > 0 ? Math.round(requests / elapsedSeconds) : 0,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    unexpectedStatus,
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: Math.round(elapsedSeconds * 1000) / 1000,
  };
}
