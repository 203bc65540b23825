/**
 * Commits durable elsewhere (a peer's messages, which their origin made durable before
 * sending them): the SQLite store serves them at their commit and flushes them to its disk
 * with a later commit or within maxUnflushedMs; a killed process loses none of them; an
 * erasing commit and a commit past the bound never take the shortcut.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storedMessage } from "./message_store_conformance.ts";
import { SqliteMessageStore } from "./sqlite_message_store.ts";

const BUN = process.execPath;

async function withStore(
  options: { maxUnflushedMs?: number },
  fn: (store: SqliteMessageStore, path: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "dsatter-unflushed-"));
  const path = join(dir, "node.db");
  const store = new SqliteMessageStore(path, options);
  try {
    await fn(store, path);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const settled = (promise: Promise<unknown>) =>
  Promise.race([promise.then(() => true), Promise.resolve().then(() => false)]);

test("a commit durable elsewhere is read at once, lets the next write start, and is flushed within the bound", () =>
  withStore({ maxUnflushedMs: 40 }, async (store) => {
    const commit = store.commitLater(() => store.insertMessage(storedMessage(2, 1)), {
      durableElsewhere: true,
    });
    expect(store.getMessage(2, 1)?.seq).toBe(1); // outside a transaction: the reader sees it
    expect(await settled(commit.durable)).toBe(true);
    expect(store.unflushed).toBe(true);
    // No batch in flight: the next one commits at once (and also unflushed, within the bound).
    store.commitLater(() => store.insertMessage(storedMessage(2, 2)), { durableElsewhere: true });
    expect(store.getMessage(2, 2)?.seq).toBe(2);
    const deadline = Date.now() + 2_000;
    while (store.unflushed && Date.now() < deadline) await Bun.sleep(10);
    expect(store.unflushed).toBe(false); // the idle flush came by itself
  }));

test("without durableElsewhere, or past the bound, a commit waits for the disk as before", () =>
  withStore({ maxUnflushedMs: 0 }, async (store) => {
    const first = store.commitLater(() => store.insertMessage(storedMessage(2, 1)), {
      durableElsewhere: true,
    });
    await first.durable;
    // The oldest unflushed commit is already maxUnflushedMs (0) old: this one flushes.
    const second = store.commitLater(() => store.insertMessage(storedMessage(2, 2)), {
      durableElsewhere: true,
    });
    expect(store.getMessage(2, 2)).toBeNull();
    expect(() => store.commitLater(() => 0)).toThrow(/not durable yet/);
    await second.durable;
    expect(store.getMessage(2, 2)?.seq).toBe(2);
    expect(store.unflushed).toBe(false);
    const local = store.commitLater(() => store.insertMessage(storedMessage(1, 1)));
    expect(store.getMessage(1, 1)).toBeNull();
    await local.durable;
    expect(store.getMessage(1, 1)?.seq).toBe(1);
  }));

test("a commit that erases a text never takes the shortcut", () =>
  withStore({ maxUnflushedMs: 10_000 }, async (store) => {
    store.transaction(() => store.insertMessage(storedMessage(2, 1, { text: "secretword" })));
    const erase = store.commitLater(
      () => store.reviseMessage(2, 1, { text: "", deleted: true }),
      { durableElsewhere: true },
    );
    expect(store.getMessage(2, 1)?.text).toBe("secretword"); // not served before durable
    await erase.durable;
    expect(store.getMessage(2, 1)?.deleted).toBe(true);
    expect(store.unflushed).toBe(false);
  }));

test("a process killed right after commits durable elsewhere loses none of them", () =>
  withStore({}, async (_store, path) => {
    const other = `${path}.child.db`;
    const script = `
      import { SqliteMessageStore } from ${
      JSON.stringify(join(import.meta.dir, "sqlite_message_store.ts"))
    };
      import { storedMessage } from ${
      JSON.stringify(join(import.meta.dir, "message_store_conformance.ts"))
    };
      const store = new SqliteMessageStore(${JSON.stringify(other)}, { maxUnflushedMs: 600_000 });
      for (let seq = 1; seq <= 50; seq++) {
        store.commitLater(() => store.insertMessage(storedMessage(2, seq)), { durableElsewhere: true });
      }
      console.log(store.unflushed ? "unflushed" : "flushed");
      process.kill(process.pid, "SIGKILL");
    `;
    const child = Bun.spawn([BUN, "-e", script], { stdout: "pipe", stderr: "pipe" });
    const output = await new Response(child.stdout).text();
    expect(await child.exited).not.toBe(0);
    expect(child.signalCode).toBe("SIGKILL");
    expect(output.trim()).toBe("unflushed");
    const reopened = new SqliteMessageStore(other);
    try {
      expect(reopened.getMessage(2, 50)?.seq).toBe(50);
      expect(reopened.readAfter(2, 0, 100).map((m) => m.seq)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    } finally {
      reopened.close();
    }
  }));
