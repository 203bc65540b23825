/**
 * Test helper: one value of a running node's `GET /metrics`, by its series
 * (`name` or `name{label="value"}`), for tests that watch counters move.
 * @module
 */

/** The value of `series` at `url`/metrics; 0 when the series is not there (yet). */
export async function readMetric(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
