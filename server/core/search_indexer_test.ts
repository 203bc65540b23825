import { expect, test } from "bun:test";
import { SearchIndexer } from "./search_indexer.ts";
import {} from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

function fakeStore(backlog: number) {
  const store = {
    backlog,
    batches: [] as number[],
    searchBacklog: () => store.backlog,
    index(maxRows: number) {
      const taken = Math.min(maxRows, store.backlog);
      store.backlog -= taken;
      store.batches.push(taken);
      return Promise.resolve(taken);
    },
  };
  return store;
}

test("SearchIndexer.step() waits for a quiet moment; a large backlog gets small batches", async () => {
  const store = fakeStore(100);
  let idleMs = 0;
  const indexer = new SearchIndexer({
    backlog: store.searchBacklog,
    index: store.index,
    idleMs: () => idleMs,
    batchRows: 40,
    busyBatchRows: 10,
    quietAfterMs: 50,
    forceBacklogRows: 1000,
    pollMs: 60_000,
  });
  try {
    expect(await indexer.step()).toBe("none"); // busy, small backlog
    idleMs = 50;
    expect(await indexer.step()).toBe("quiet");
    expect(store.batches).toEqual([40]);
    idleMs = 0;
    store.backlog = 5000;
    expect(await indexer.step()).toBe("busy"); // busy, but past forceBacklogRows: a small batch
    expect(store.batches).toEqual([40, 10]);
  } finally {
    indexer.close();
  }
});

test("SearchIndexer drains the backlog by itself, batch after batch, and survives a failure", async () => {
  const store = fakeStore(95);
  let failures = 1;
  const errors: string[] = [];
  const indexer = new SearchIndexer({
    backlog: store.searchBacklog,
    index: (rows) => {
      if (failures-- > 0) return Promise.reject(new Error("disk busy"));
      return store.index(rows);
    },
    idleMs: () => 1000,
    batchRows: 30,
    pollMs: 5,
    onError: (error) => errors.push(error.message),
  });
  try {
    await waitUntil(() => store.backlog === 0, { deadlineMs: 10_000, pollMs: 5 });
    expect(store.batches).toEqual([30, 30, 30, 5]);
    expect(errors).toEqual(["disk busy"]);
  } finally {
    indexer.close();
  }
});
