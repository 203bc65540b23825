import { expect, test } from "bun:test";
import { CATCH_UP_HOLD_MS, PeerActivity } from "./peer_activity.ts";
import { SearchIndexer } from "./search_indexer.ts";

test("PeerActivity: idle is the store's until peers are served, then the time since", () => {
  let nowMs = 1000;
  const activity = new PeerActivity(() => nowMs);
  expect(activity.idleMs(500)).toBe(500); // never any peer work: the store decides
  activity.note();
  expect(activity.idleMs(500)).toBe(0);
  nowMs += 30;
  expect(activity.idleMs(500)).toBe(30);
  expect(activity.idleMs(10)).toBe(10); // never more than the store's own idle time
  nowMs += 1000;
  expect(activity.idleMs(0)).toBe(0); // a write queued or in flight
  expect(activity.idleMs(2000)).toBe(1030);
});

test("PeerActivity: a batch being stored counts until it settles, even when it fails", async () => {
  let nowMs = 0;
  const activity = new PeerActivity(() => nowMs);
  expect(activity.idleMs(10_000)).toBe(10_000);
  let finish!: () => void;
  const storing = activity.during(new Promise<void>((resolve) => finish = resolve));
  nowMs = 200;
  expect(activity.idleMs(10_000)).toBe(200);
  finish();
  await storing;
  expect(activity.idleMs(10_000)).toBe(0); // noted again once stored
  nowMs = 260;
  expect(activity.idleMs(10_000)).toBe(60);
  await activity.during(Promise.reject(new Error("disk full"))).catch(() => {});
  expect(activity.idleMs(10_000)).toBe(0);
});

test("PeerActivity: a catch-up pauses the indexer until a moment after its last page", async () => {
  let nowMs = 0;
  const activity = new PeerActivity(() => nowMs);
  const batches: number[] = [];
  const indexer = new SearchIndexer({
    backlog: () => 7000,
    index: (maxRows) => {
      batches.push(maxRows);
      return Promise.resolve(maxRows);
    },
    idleMs: () => 0,
    busyBatchRows: 25,
    paused: () => activity.catchingUp,
    pollMs: 60_000,
  });
  try {
    activity.noteCatchUp();
    expect(await indexer.step()).toBe("none");
    nowMs = CATCH_UP_HOLD_MS - 1;
    activity.noteCatchUp(); // the next page: the hold starts again
    nowMs += CATCH_UP_HOLD_MS - 1;
    expect(await indexer.step()).toBe("none");
    expect(batches).toEqual([]);
    nowMs += 1;
    expect(activity.catchingUp).toBe(false);
    expect(await indexer.step()).toBe("busy"); // 7,000 waiting while writes come: a small batch
    expect(batches).toEqual([25]);
  } finally {
    indexer.close();
  }
});

test("PeerActivity: reading messages for a peer is activity, reading none is not", () => {
  let nowMs = 500;
  const activity = new PeerActivity(() => nowMs);
  expect(activity.served([])).toEqual([]);
  expect(activity.idleMs(400)).toBe(400);
  expect(activity.served([1, 2])).toEqual([1, 2]);
  nowMs += 5;
  expect(activity.idleMs(400)).toBe(5);
});
