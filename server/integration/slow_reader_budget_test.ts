/**
 * The node-wide budget of bytes buffered to slow readers, against a real node:
 * 2,000 connections from one address that never read, plus a fast sender. The
 * node refuses past the per-address cap (429), drops the readers furthest
 * behind once all unsent bytes pass the budget (4000), keeps an honest reader
 * served with every message, and its resident memory stays under 1 GiB
 * throughout (read from /proc while the sender runs). Before the budget, each
 * of those sockets could hold 4 MiB: 2,000 of them, 8 GiB.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { type SpawnedNode, spawnNode } from "../testing/spawn_node.ts";
import { isMessageFrame, openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { openStalledUpgrade } from "../testing/raw_client_upgrade.ts";
import { readMetric } from "../testing/node_metrics.ts";

setDefaultTimeout(240_000);

const RSS_CEILING_BYTES = 1024 * 1024 * 1024;
const STALLED = 2000;
let node: SpawnedNode | undefined;
const stalled: Socket[] = [];
const clients: TestClient[] = [];

afterAll(async () => {
  for (const socket of stalled) socket.destroy();
  await Promise.all(clients.map((c) => c.close()));
  await node?.stop();
});

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)![1]) * 1024;
}

test("2,000 never-reading sockets and a fast sender: refused past the cap, RSS under 1 GiB, honest reader served", async () => {
  node = await spawnNode({ extraArgs: ["--limit-loopback"] }); // --max-connections-per-ip 1000
  const pid = node.child.pid!;
  const sender = await openClient(node.wsUrl);
  const reader = await openClient(node.wsUrl);
  clients.push(sender, reader);
  let refused = 0;
  for (let i = 0; i < STALLED; i++) {
    const answer = await openStalledUpgrade(node.port);
    if (answer.upgraded) stalled.push(answer.socket);
    else if (answer.status === 429) refused += 1;
  }
  // Checked before any load: without the cap, the flood below would take gigabytes.
  expect(stalled.length).toBe(998);
  expect(refused).toBe(STALLED - 998);

  const text = "x".repeat(4000);
  let sent = 0;
  let peakRss = 0;
  const overBudget = () => readMetric(node!.url, "dsatter_clients_dropped_over_budget_total");
  let extraAfterDrops = -1;
  while (extraAfterDrops !== 0) {
    expect(sent).toBeLessThan(8000);
    for (let i = 0; i < 50; i++, sent++) {
      sender.send({ type: "newMessageFromClient", payload: { text, sender: "fast", chatId: 11 } });
    }
    await waitUntil(() => reader.frames.filter(isMessageFrame(text)).length === sent, {
      deadlineMs: 60_000,
      pollMs: 5,
    });
    peakRss = Math.max(peakRss, rssBytes(pid));
    expect(peakRss).toBeLessThan(RSS_CEILING_BYTES);
    if (extraAfterDrops > 0) extraAfterDrops -= 1;
    else if (extraAfterDrops < 0 && (await overBudget()) > 0) extraAfterDrops = 20; // 1,000 more
  }
  expect(await overBudget()).toBeGreaterThan(0);
  expect(reader.frames.filter(isMessageFrame(text)).length).toBe(sent);
  expect(reader.ws.readyState).toBe(WebSocket.OPEN);
  const buffered = await readMetric(node.url, "dsatter_client_buffered_bytes");
  expect(buffered).toBeLessThanOrEqual(256 * 1024 * 1024);
  // Still responsive: a new client is served at once.
  const late = await openClient(node.wsUrl);
  clients.push(late);
  late.send({ type: "listChats", payload: {}, ref: "late" });
  expect((await late.next((f) => f.type === "chatList")).ref).toBe("late");
  console.log(`budget test: ${sent} messages, peak node RSS ${(peakRss / 1048576).toFixed(0)} MiB`);
});
