/**
 * The search bench as a functional smoke test: a small store is filled and
 * searched through the real code, and the report is complete. No timing is
 * asserted here (figures belong to perf/RESULTS.md).
 */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatSearchBench, runSearchBench } from "./search_bench.ts";
import { createCorpus } from "./search_corpus.ts";

test("createCorpus() is seeded and every query has a word", () => {
  const a = createCorpus({ seed: 3, vocabulary: 500, chats: 10 });
  const b = createCorpus({ seed: 3, vocabulary: 500, chats: 10 });
  expect(a.message()).toEqual(b.message());
  for (let i = 0; i < 200; i++) expect(a.query().q.length).toBeGreaterThan(0);
});

test("runSearchBench() fills, searches and sizes a store", () => {
  const dir = mkdtempSync(join(tmpdir(), "dsatter-search-smoke-"));
  try {
    const result = runSearchBench({ messages: 5000, queries: 50, limit: 20, dir });
    expect(result.latency.count).toBe(50);
    expect(result.indexBytes).toBeGreaterThan(0);
    expect(result.emptyResults).toBeLessThan(50);
    expect(formatSearchBench(result)).toContain("| 5,000 | 50 |");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
