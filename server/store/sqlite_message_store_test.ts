import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeMessageStoreConformance, storedMessage } from "./message_store_conformance.ts";
import { SqliteMessageStore } from "./sqlite_message_store.ts";
import { MAX_BACKLOG_SCAN_ROWS } from "./sqlite_search_index.ts";
import { searchTermsOf } from "../../common/search_terms.ts";

// On files, as a node runs it: the writer, the durable snapshot and the durability worker.
const conformanceDir = mkdtempSync(join(tmpdir(), "dsatter-conformance-"));
afterAll(() => rmSync(conformanceDir, { recursive: true, force: true }));
let opened = 0;
describeMessageStoreConformance(
  "SqliteMessageStore",
  () => new SqliteMessageStore(join(conformanceDir, `store-${++opened}.db`)),
);

test("SqliteMessageStore keeps messages, chats and identity across a reopen", () => {
  const dir = mkdtempSync(join(tmpdir(), "dsatter-store-"));
  try {
    const path = join(dir, "node.db");
    const first = new SqliteMessageStore(path);
    first.transaction(() => {
      first.insertMessage(storedMessage(1, 1, { clientMsgId: "c" }));
      first.saveIdentity({ nodeId: 7, password: "pw", origin: "discovery" });
    });
    first.close();
    const second = new SqliteMessageStore(path);
    expect(second.getMessage(1, 1)?.clientMsgId).toBe("c");
    expect(second.loadIdentity()).toEqual({ nodeId: 7, password: "pw", origin: "discovery" });
    second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SqliteMessageStore refuses a file another store has open", () => {
  const dir = mkdtempSync(join(tmpdir(), "dsatter-store-"));
  try {
    const path = join(dir, "node.db");
    const first = new SqliteMessageStore(path);
    try {
      expect(() => new SqliteMessageStore(path)).toThrow(/Cannot open database/);
    } finally {
      first.close();
    }
    new SqliteMessageStore(path).close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SqliteMessageStore keeps its WAL bounded while commits keep coming, and loses nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dsatter-store-"));
  try {
    const path = join(dir, "node.db");
    const errors: Error[] = [];
    const store = new SqliteMessageStore(path, {
      checkpointFrames: 64,
      onCheckpointError: (error) => errors.push(error),
    });
    let largestWal = 0;
    let seq = 0;
    for (let batch = 0; batch < 300; batch++) {
      const commit = store.commitLater(() => {
        for (let i = 0; i < 20; i++) {
          store.insertMessage(storedMessage(1, ++seq, { text: `message ${seq} `.repeat(8) }));
        }
      });
      await commit.durable;
      largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
    }
    expect(errors).toEqual([]);
    // 6,000 messages put ~2,000 pages through the log; checkpoints keep it to a few hundred.
    expect(largestWal).toBeLessThan(2 * 1024 * 1024);
    expect(store.countMessages()).toBe(6000);
    store.close();
    const reopened = new SqliteMessageStore(path);
    expect(reopened.contiguousMarks()).toEqual(new Map([[1, 6000]]));
    reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a search scans at most MAX_BACKLOG_SCAN_ROWS of the backlog; older rows once indexed", () => {
  const store = new SqliteMessageStore(":memory:");
  try {
    const total = MAX_BACKLOG_SCAN_ROWS + 20;
    store.transaction(() => {
      for (let seq = 1; seq <= total; seq++) {
        const text = seq <= 10 ? `oldest word${seq}` : seq > total - 10 ? "newest" : "filler";
        store.insertMessage(storedMessage(1, seq, { text, second: seq }));
      }
    });
    expect(store.searchBacklog()).toBe(total);
    const found = (q: string) => store.search({ terms: searchTermsOf(q), limit: 100 }).messages;
    expect(found("newest").length).toBe(10); // the newest rows are scanned
    expect(found("oldest")).toEqual([]); // past the bound: not scanned, not yet indexed
    while (store.indexSearchBacklog(5000) > 0) { /* the indexer's work */ }
    expect(found("oldest").length).toBe(10);
    expect(found("newest").length).toBe(10);
  } finally {
    store.close();
  }
});
