import { expect, test } from "bun:test";
import { CATCH_UP_HOLD_MS, PeerActivity } from "./peer_activity.ts";

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

test("PeerActivity: a batch being stored counts until it settles; the commits' idle is capped", async () => {
  let nowMs = 0;
  const activity = new PeerActivity(() => nowMs);
  const commits = {
    enqueue: <T>(_write: () => void, after: () => T) => Promise.resolve(after()),
    idleMs: () => 10_000,
  };
  const yielding = activity.yieldingCommits(commits);
  expect(yielding.idleMs()).toBe(10_000);
  let finish!: () => void;
  const storing = activity.during(new Promise<void>((resolve) => finish = resolve));
  nowMs = 200;
  expect(yielding.idleMs()).toBe(200);
  finish();
  await storing;
  expect(yielding.idleMs()).toBe(0); // noted again once stored
  nowMs = 260;
  expect(yielding.idleMs()).toBe(60);
  expect(await yielding.enqueue(() => {}, () => 7)).toBe(7);
  // A failed batch still ends the activity's span.
  await activity.during(Promise.reject(new Error("disk full"))).catch(() => {});
  expect(yielding.idleMs()).toBe(0);
});

test("PeerActivity: a catch-up hides the backlog from the indexer until a moment after its last page", () => {
  let nowMs = 0;
  const activity = new PeerActivity(() => nowMs);
  const indexed: number[] = [];
  const store = activity.deferringStore({
    searchBacklog: () => 7000,
    indexSearchBacklog: (maxRows) => {
      indexed.push(maxRows);
      return maxRows;
    },
  });
  expect(store.searchBacklog()).toBe(7000);
  activity.noteCatchUp();
  expect(activity.catchingUp).toBe(true);
  expect(store.searchBacklog()).toBe(0);
  nowMs = CATCH_UP_HOLD_MS - 1;
  expect(store.searchBacklog()).toBe(0);
  activity.noteCatchUp(); // the next page: the hold starts again
  nowMs += CATCH_UP_HOLD_MS - 1;
  expect(store.searchBacklog()).toBe(0);
  nowMs += 1;
  expect(activity.catchingUp).toBe(false);
  expect(store.searchBacklog()).toBe(7000);
  expect(store.indexSearchBacklog(25)).toBe(25);
  expect(indexed).toEqual([25]);
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
