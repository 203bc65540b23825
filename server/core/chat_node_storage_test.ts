/**
 * ChatNode on a store whose commits fail with SQLITE_FULL (a real SQLite store
 * in memory, behind the store seam, whose transactions throw after their writes
 * so that SQLite rolls them back): writes are refused with `storage_full`, nothing
 * is published or acknowledged, reads go on, and once space is back the node
 * takes writes again with every origin's seqs gapless.
 */
import { describe, expect, test } from "bun:test";
import type { ChatMessage } from "../../common/protocol.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import { storedMessage } from "../store/message_store_conformance.ts";
import { MetricsRegistry, registerNodeMetrics } from "../observability/metrics_registry.ts";
import type { MessageStore } from "../store/message_store.ts";
import { SqliteMessageStore } from "../store/sqlite_message_store.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { ChatNode } from "./chat_node.ts";
import { ALL_CHATS_TOPIC } from "./delivery_topics.ts";
import { StorageRefusedError } from "./storage_guard.ts";

interface FullDisk {
  store: MessageStore;
  full: boolean;
  /** Transactions attempted while full. */
  failedCommits: number;
}

/** A real SQLite store whose transactions fail after their writes while `full` is set. */
function fullDiskStore(): FullDisk {
  const inner = new SqliteMessageStore(":memory:");
  const disk: FullDisk = { store: inner, full: false, failedCommits: 0 };
  /** fn, then the failure a full disk gives at COMMIT (SQLite rolls the writes back). */
  const failingWhenFull = <T>(fn: () => T) => () => {
    const result = fn();
    if (disk.full) {
      disk.failedCommits += 1;
      throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    }
    return result;
  };
  disk.store = new Proxy(inner, {
    get(target, property) {
      if (property === "transaction") {
        return <T>(fn: () => T): T => target.transaction(failingWhenFull(fn));
      }
      if (property === "commitLater") {
        return <T>(fn: () => T) => target.commitLater(failingWhenFull(fn));
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return disk;
}

function setup() {
  const disk = fullDiskStore();
  const published: ChatMessage[] = [];
  const node = new ChatNode({
    store: disk.store,
    nodeId: 5,
    metrics: registerNodeMetrics(new MetricsRegistry()),
    publisher: {
      publish: (topic, data) => {
        if (topic === ALL_CHATS_TOPIC) published.push(JSON.parse(data).payload[0]);
      },
    },
  });
  const live = () => published.map((m) => `${m.nodeId}/${m.seq}`);
  return { disk, node, live };
}

function remote(nodeId: number, seq: number): ChatMessage {
  return toWireMessage(storedMessage(nodeId, seq, { sender: "bob" }));
}

/** Retries `write` until it resolves (the node's backoff), failing after the deadline. */
async function eventually<T>(write: () => Promise<T>): Promise<T> {
  let result: { value: T } | undefined;
  await waitUntil(
    async () => {
      result = await write().then((value) => ({ value }), () => undefined);
      return result !== undefined;
    },
    { deadlineMs: 15_000, pollMs: 50 },
  );
  return result!.value;
}

describe("ChatNode on a full disk", () => {
  test("sendLocal() is refused with storage_full, acks and publishes nothing, then recovers gapless", async () => {
    const { disk, node, live } = setup();
    for (const text of ["a", "b", "c"]) await node.sendLocal({ text, sender: "ann", chatId: 11 });
    disk.full = true;
    const refused = await Promise.allSettled([
      node.sendLocal({ text: "d", sender: "ann", chatId: 11, clientMsgId: "d" }),
      node.sendLocal({ text: "e", sender: "ann", chatId: 11 }),
    ]);
    for (const outcome of refused) {
      expect(outcome.status).toBe("rejected");
      const reason = (outcome as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(StorageRefusedError);
      expect(reason.code).toBe("storage_full");
    }
    // While the backoff runs, a write is refused without touching the store.
    const commitsBefore = disk.failedCommits;
    await expect(node.sendLocal({ text: "f", sender: "ann", chatId: 11 })).rejects.toThrow(
      "disk is full",
    );
    expect(disk.failedCommits).toBe(commitsBefore);
    // Reads go on.
    expect(node.vector()).toEqual({ "5": 3 });
    expect(node.since({ since: new Map(), limit: 100 }).messages.map((m) => m.text)).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(live()).toEqual(["5/1", "5/2", "5/3"]);

    disk.full = false;
    const outcome = await eventually(() =>
      node.sendLocal({ text: "d", sender: "ann", chatId: 11, clientMsgId: "d" })
    );
    expect(outcome.message.seq).toBe(4);
    expect(outcome.duplicate).toBe(false);
    expect(node.vector()).toEqual({ "5": 4 });
    expect(live()).toEqual(["5/1", "5/2", "5/3", "5/4"]);
    expect(node.readAfter(5, 0, 10).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  test("acceptRemote() is refused while full; held and gap state roll back with the batch", async () => {
    const { disk, node, live } = setup();
    disk.full = true;
    await expect(node.acceptRemote([remote(7, 2)])).rejects.toThrow();
    disk.full = false;
    // 7/2 was held in the failed batch: it must not count as held now.
    await eventually(() => node.acceptRemote([remote(7, 1)]));
    expect(node.vector()).toEqual({ "7": 1 });
    await node.acceptRemote([remote(7, 2), remote(7, 3)]);
    expect(node.vector()).toEqual({ "7": 3 });
    expect(live()).toEqual(["7/1", "7/2", "7/3"]);
  });

  test("createChat() in a failed batch leaves no chat behind", async () => {
    const { disk, node } = setup();
    disk.full = true;
    await expect(node.createChat("room")).rejects.toThrow();
    expect(node.chats().map((c) => c.name)).toEqual([]);
    disk.full = false;
    const chat = await eventually(() => node.createChat("room"));
    expect(node.chats().map((c) => c.chatId)).toEqual([chat.chatId]);
  });
});
