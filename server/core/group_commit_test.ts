import { describe, expect, test } from "bun:test";
import { GroupCommit } from "./group_commit.ts";
import { MemoryMessageStore } from "../store/memory_message_store.ts";
import { storedMessage } from "../store/message_store_conformance.ts";

/** A memory store whose commits become durable only when the test says so. */
function manualDurabilityStore() {
  const waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  const store = new MemoryMessageStore({
    whenDurable: () => new Promise<void>((resolve, reject) => waiting.push({ resolve, reject })),
  });
  let commits = 0;
  const commitLater = store.commitLater.bind(store);
  store.commitLater = <T>(fn: () => T) => {
    commits += 1;
    return commitLater(fn);
  };
  return {
    store,
    commits: () => commits,
    makeDurable: () => waiting.shift()!.resolve(),
    failDurability: (error: Error) => waiting.shift()!.reject(error),
  };
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("GroupCommit", () => {
  test("writes of one turn share one commit; after() runs in order once it is durable", async () => {
    const disk = manualDurabilityStore();
    const order: string[] = [];
    const commits = new GroupCommit(disk.store);
    const results = Promise.all([1, 2, 3].map((seq) =>
      commits.enqueue(() => {
        order.push(`write ${seq}`);
        disk.store.insertMessage(storedMessage(1, seq));
      }, () => {
        order.push(`after ${seq}`);
        return seq * 10;
      })
    ));
    await turn();
    expect(order).toEqual(["write 1", "write 2", "write 3"]);
    expect(disk.store.countMessages()).toBe(0); // committed, not durable: reads do not see it
    disk.makeDurable();
    expect(await results).toEqual([10, 20, 30]);
    expect(disk.commits()).toBe(1);
    expect(order).toEqual(["write 1", "write 2", "write 3", "after 1", "after 2", "after 3"]);
    expect(disk.store.countMessages()).toBe(3);
  });

  test("idleMs() is 0 while a write is queued or in flight; background writes do not count", async () => {
    const disk = manualDurabilityStore();
    const commits = new GroupCommit(disk.store);
    expect(commits.idleMs()).toBe(Infinity); // never written
    const first = commits.enqueue(() => disk.store.insertMessage(storedMessage(1, 1)), () => 1);
    expect(commits.idleMs()).toBe(0); // queued
    await turn();
    expect(commits.idleMs()).toBe(0); // in flight
    disk.makeDurable();
    await first;
    await turn();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const idleAfterWrite = commits.idleMs();
    expect(idleAfterWrite).toBeGreaterThanOrEqual(15);
    const background = commits.enqueue(() => {}, () => 0, { background: true });
    await turn();
    disk.makeDurable();
    await background;
    await turn();
    expect(commits.idleMs()).toBeGreaterThanOrEqual(idleAfterWrite); // still idle since the write
  });

  test("minCycleMs: a small batch waits for its turn, a full one and flush() do not", async () => {
    const disk = manualDurabilityStore();
    const commits = new GroupCommit(disk.store, { minCycleMs: 60_000, fullBatchWrites: 3 });
    const write = (seq: number) =>
      commits.enqueue(() => disk.store.insertMessage(storedMessage(1, seq)), () => seq);
    const first = write(1); // nothing before it: commits at once
    await turn();
    expect(disk.commits()).toBe(1);
    disk.makeDurable();
    await first;
    const second = write(2); // small, and the last batch began just now: waits
    await turn();
    await turn();
    expect(disk.commits()).toBe(1);
    const more = [write(3), write(4)]; // three queued: a full batch goes at once
    await turn();
    expect(disk.commits()).toBe(2);
    disk.makeDurable();
    expect(await Promise.all([second, ...more])).toEqual([2, 3, 4]);
    const weighty = commits.enqueue(() => {}, () => 0, { weight: 3 }); // a peer batch of three
    await turn();
    expect(disk.commits()).toBe(3); // as heavy as a full batch: no wait
    disk.makeDurable();
    await weighty;
    const fifth = write(5); // small again: waits, until an explicit flush()
    await turn();
    expect(disk.commits()).toBe(3);
    commits.flush();
    expect(disk.commits()).toBe(4);
    disk.makeDurable();
    expect(await fifth).toBe(5);
    await commits.close();
  });

  test("writes queued while a batch is in flight commit together once it is durable", async () => {
    const disk = manualDurabilityStore();
    const commits = new GroupCommit(disk.store);
    const first = commits.enqueue(() => disk.store.insertMessage(storedMessage(1, 1)), () => 1);
    await turn();
    expect(commits.inFlight).toBe(true);
    const later = [2, 3].map((seq) =>
      commits.enqueue(() => disk.store.insertMessage(storedMessage(1, seq)), () => seq)
    );
    await turn();
    expect(disk.commits()).toBe(1); // the loop went on; the next batch waits for the disk
    disk.makeDurable();
    expect(await first).toBe(1);
    await turn();
    expect(disk.commits()).toBe(2);
    disk.makeDurable();
    expect(await Promise.all(later)).toEqual([2, 3]);
  });

  test("whenQuiet() runs between batches, never while one is in flight", async () => {
    const disk = manualDurabilityStore();
    const commits = new GroupCommit(disk.store);
    expect(await commits.whenQuiet(() => "now")).toBe("now");
    void commits.enqueue(() => disk.store.insertMessage(storedMessage(1, 1)), () => 0);
    await turn();
    let ran = false;
    const quiet = commits.whenQuiet(() => {
      ran = true;
      return disk.store.countMessages();
    });
    await turn();
    expect(ran).toBe(false);
    disk.makeDurable();
    expect(await quiet).toBe(1);
  });
});

describe("GroupCommit failures and close", () => {
  test("a failed batch rejects every write, runs no after(), and reports the failure", async () => {
    const store = new MemoryMessageStore();
    store.commitLater = () => {
      throw new Error("disk full");
    };
    const failures: Error[] = [];
    const commits = new GroupCommit(store, { onFailure: (error) => failures.push(error) });
    let afters = 0;
    const outcomes = await Promise.allSettled([
      commits.enqueue(() => {}, () => afters++),
      commits.enqueue(() => {}, () => afters++),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(afters).toBe(0);
    expect(failures.length).toBe(1);
    expect(failures[0].message).toStartWith("Cannot commit 2 writes: disk full");
  });

  test("a batch that cannot be made durable is reported, and every later write refused", async () => {
    const disk = manualDurabilityStore();
    const notDurable: Error[] = [];
    const commits = new GroupCommit(disk.store, { onNotDurable: (e) => notDurable.push(e) });
    let afters = 0;
    const write = commits.enqueue(() => {}, () => afters++);
    await turn();
    disk.failDurability(new Error("EIO"));
    await expect(write).rejects.toThrow("Cannot make writes durable: EIO");
    expect(afters).toBe(0);
    expect(notDurable.map((e) => e.message)).toEqual(["Cannot make writes durable: EIO"]);
    await expect(commits.enqueue(() => {}, () => 0)).rejects.toThrow("EIO");
  });

  test("close() commits what is queued, waits until durable, and refuses later writes", async () => {
    const store = new MemoryMessageStore();
    const commits = new GroupCommit(store, { schedule: () => {} });
    const queued = commits.enqueue(() => store.insertMessage(storedMessage(1, 1)), () => "done");
    await commits.close();
    expect(await queued).toBe("done");
    expect(store.countMessages()).toBe(1);
    await expect(commits.enqueue(() => {}, () => 0)).rejects.toThrow(/Cannot write/);
  });

  test("a batch is committed durableElsewhere only when every write but background work is", async () => {
    const seen: Array<boolean | undefined> = [];
    const store = new MemoryMessageStore();
    const commitLater = store.commitLater.bind(store);
    store.commitLater = <T>(fn: () => T, options?: { durableElsewhere?: boolean }) => {
      seen.push(options?.durableElsewhere);
      return commitLater(fn, options);
    };
    const commits = new GroupCommit(store);
    const write = (seq: number) => () => store.insertMessage(storedMessage(2, seq));
    // A peer's batch with the search indexer's background work: durable elsewhere.
    await Promise.all([
      commits.enqueue(write(1), () => 1, { durableElsewhere: true }),
      commits.enqueue(() => {}, () => 0, { background: true }),
    ]);
    // A local write joins a peer's batch: the whole batch waits for this disk.
    await Promise.all([
      commits.enqueue(write(2), () => 2, { durableElsewhere: true }),
      commits.enqueue(write(3), () => 3),
    ]);
    // And the next batch starts over.
    await commits.enqueue(write(4), () => 4, { durableElsewhere: true });
    expect(seen).toEqual([true, false, true]);
  });
});
