import { describe, expect, test } from "bun:test";
import { GroupCommit } from "./group_commit.ts";
import { MemoryMessageStore } from "../store/memory_message_store.ts";
import { storedMessage } from "../store/message_store_conformance.ts";

describe("GroupCommit", () => {
  test("writes of one turn share one transaction; after() runs in order after it", async () => {
    const store = new MemoryMessageStore();
    let transactions = 0;
    const original = store.transaction.bind(store);
    store.transaction = (fn) => {
      transactions++;
      return original(fn);
    };
    const order: string[] = [];
    const commits = new GroupCommit(store);
    const results = await Promise.all([1, 2, 3].map((seq) =>
      commits.enqueue(() => {
        order.push(`write ${seq}`);
        store.insertMessage(storedMessage(1, seq));
      }, () => {
        order.push(`after ${seq}`);
        return seq * 10;
      })
    ));
    expect(results).toEqual([10, 20, 30]);
    expect(transactions).toBe(1);
    expect(order).toEqual(["write 1", "write 2", "write 3", "after 1", "after 2", "after 3"]);
  });

  test("a failed batch rejects every write, runs no after(), and reports the failure", async () => {
    const store = new MemoryMessageStore();
    store.transaction = () => {
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

  test("close() commits what is queued and refuses later writes", async () => {
    const store = new MemoryMessageStore();
    const commits = new GroupCommit(store, { schedule: () => {} });
    const queued = commits.enqueue(() => store.insertMessage(storedMessage(1, 1)), () => "done");
    commits.close();
    expect(await queued).toBe("done");
    expect(store.countMessages()).toBe(1);
    await expect(commits.enqueue(() => {}, () => 0)).rejects.toThrow(/Cannot write/);
  });
});
