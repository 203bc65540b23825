/**
 * `bun perf/search_bench.ts [flags]` (and `make perf-search`): the search
 * measurement of PROTOCOL.md section 7. Fills one node's store (the real
 * SqliteMessageStore, through its seam, in group-commit-sized transactions)
 * with a synthetic corpus (perf/search_corpus.ts), then times searches of the
 * users' query mix as the node runs them (store.search with the node's terms),
 * and reports p50/p90/p99/max, the ingest rate with the index, and the index's
 * size. Prints a JSON line and a Markdown block; writes them under --out.
 *
 * Invariant: never imported by the product; the store lives in a temp dir that
 * is removed at the end (unless --keep).
 * @module
 */

import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { Database } from "bun:sqlite";
import { encodeMessageId } from "../common/message_id.ts";
import { searchTermsOf } from "../common/search_terms.ts";
import { SqliteMessageStore } from "../server/store/sqlite_message_store.ts";
import { summariseLatencies } from "./latency_summary.ts";
import { formatMachineInfo, readMachineInfo } from "./machine_info.ts";
import { createCorpus } from "./search_corpus.ts";

const HELP = `bun perf/search_bench.ts [flags]

  --messages N   messages to store (default 1000000)
  --queries N    searches to time (default 2000)
  --limit N      results per search (default 20, the node's default)
  --out DIR      where to write search.json and search.md (default perf/out)
  --keep         keep the database (its path is printed)
  --help`;

export interface SearchBenchResult {
  messages: number;
  queries: number;
  /** Stored per second (the commit path: the search index is fed later). */
  ingestMsgPerSec: number;
  /** Moved from the backlog into the index per second (batches of 5,000). */
  indexMsgPerSec: number;
  indexBytes: number;
  databaseBytes: number;
  latency: ReturnType<typeof summariseLatencies>;
  /** Queries that found nothing (a sanity figure: the mix should mostly find something). */
  emptyResults: number;
}

const BATCH = 2000;

/** Fills a store with `messages` and times `queries` searches. */
export function runSearchBench(
  options: { messages: number; queries: number; limit: number; dir: string },
): SearchBenchResult {
  const path = join(options.dir, "search-bench.db");
  const corpus = createCorpus({ seed: 17, vocabulary: 40_000, chats: 300 });
  const store = new SqliteMessageStore(path);
  const startMs = Date.UTC(2026, 0, 1);
  const stepMs = (30 * 86_400_000) / options.messages;
  const ingestStart = performance.now();
  for (let first = 1; first <= options.messages; first += BATCH) {
    store.transaction(() => {
      for (let seq = first; seq < first + BATCH && seq <= options.messages; seq++) {
        const { text, chatId } = corpus.message();
        const nodeId = 1 + (seq % 3);
        store.insertMessage({
          messageId: encodeMessageId(nodeId, seq),
          nodeId,
          seq,
          chatId,
          text,
          sender: `user${seq % 500}`,
          dateTime: new Date(startMs + Math.floor(seq * stepMs)).toISOString(),
          lc: 0,
          held: false,
          hidden: false,
        });
      }
    });
  }
  const ingestSeconds = (performance.now() - ingestStart) / 1000;
  const indexStart = performance.now();
  while (store.indexSearchBacklog(5000) > 0) { /* the node's indexer, without its pauses */ }
  const indexSeconds = (performance.now() - indexStart) / 1000;
  const samples: number[] = [];
  let emptyResults = 0;
  for (let i = 0; i < options.queries; i++) {
    const query = corpus.query();
    const begin = performance.now();
    const result = store.search({
      terms: searchTermsOf(query.q),
      chatId: query.chatId,
      limit: options.limit,
      accept: () => true,
    });
    samples.push(performance.now() - begin);
    if (result.messages.length === 0) emptyResults += 1;
  }
  store.close();
  const db = new Database(path, { readonly: true });
  const index = db.query(
    "SELECT COALESCE(SUM(pgsize), 0) AS bytes FROM dbstat WHERE name LIKE 'message_search%'",
  ).get() as { bytes: number };
  db.close();
  return {
    messages: options.messages,
    queries: options.queries,
    ingestMsgPerSec: Math.round(options.messages / ingestSeconds),
    indexMsgPerSec: Math.round(options.messages / indexSeconds),
    indexBytes: index.bytes,
    databaseBytes: statSync(path).size,
    latency: summariseLatencies(samples),
    emptyResults,
  };
}

/** The Markdown block RESULTS.md takes. */
export function formatSearchBench(result: SearchBenchResult): string {
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const l = result.latency;
  return [
    `| messages | queries | p50 ms | p90 ms | p99 ms | max ms | empty | index | database | stored | indexed |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
    `| ${result.messages.toLocaleString("en")} | ${result.queries} | ${l.p50Ms} | ${l.p90Ms} | ` +
    `${l.p99Ms} | ${l.maxMs} | ${result.emptyResults} | ${mib(result.indexBytes)} | ` +
    `${mib(result.databaseBytes)} | ${result.ingestMsgPerSec.toLocaleString("en")} msg/s | ` +
    `${result.indexMsgPerSec.toLocaleString("en")} msg/s |`,
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      messages: { type: "string", default: "1000000" },
      queries: { type: "string", default: "2000" },
      limit: { type: "string", default: "20" },
      out: { type: "string", default: "perf/out" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const loadAtStart = (await import("node:os")).loadavg();
  const dir = mkdtempSync(join(tmpdir(), "dsatter-search-bench-"));
  try {
    const result = runSearchBench({
      messages: Number(values.messages),
      queries: Number(values.queries),
      limit: Number(values.limit),
      dir,
    });
    const machine = readMachineInfo(undefined, loadAtStart);
    const report = `## Machine\n\n${formatMachineInfo(machine)}\n\n## Search\n\n${
      formatSearchBench(result)
    }\n`;
    console.log(JSON.stringify({ scenario: "search", ...result, machine }));
    console.log(report);
    const out = resolve(values.out);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "search.json"), JSON.stringify({ ...result, machine }) + "\n");
    writeFileSync(join(out, "search.md"), report);
    if (values.keep) console.log(`database kept: ${join(dir, "search-bench.db")}`);
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}
