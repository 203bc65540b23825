/**
 * Connection caps and the per-address REST limit against real node processes:
 * an upgrade past the per-address cap gets 429, past the total 503, both with a
 * JSON error and before any upgrade; closing a connection makes room again;
 * loopback is exempt by default (tests, `make dev`, the perf harness); a REST
 * POST past its address's rate gets 429 with Retry-After.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Socket } from "node:net";
import { useTestNodes } from "../testing/nodes_fixture.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { openStalledUpgrade } from "../testing/raw_client_upgrade.ts";
import { readMetric } from "../testing/node_metrics.ts";

setDefaultTimeout(60_000);

const { node, client } = useTestNodes();
const sockets: Socket[] = [];

async function openClients(url: string): Promise<number> {
  return (await (await fetch(`${url}/healthz`)).json()).clients as number;
}

afterAll(() => {
  for (const socket of sockets) socket.destroy();
});

describe("connection caps", () => {
  test("past --max-connections-per-ip: 429 with a JSON error before the upgrade; a close makes room", async () => {
    const limited = await node(["--limit-loopback", "--max-connections-per-ip", "3"]);
    const open = [await client(limited.wsUrl), await client(limited.wsUrl)];
    open.push(await client(limited.wsUrl));
    const refused = await openStalledUpgrade(limited.port);
    expect(refused.upgraded).toBe(false);
    if (refused.upgraded) return;
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).error).toMatch(/^Cannot connect: 3 connections from your/);
    expect(await readMetric(limited.url, 'dsatter_connections_refused_total{reason="per_address"}'))
      .toBe(1);
    await open[0].close();
    await waitUntil(async () => (await openClients(limited.url)) === 2, {
      deadlineMs: 20_000,
      pollMs: 50,
    });
    const again = await client(limited.wsUrl);
    again.send({ type: "listChats", payload: {}, ref: "in" });
    expect((await again.next((f) => f.type === "chatList")).ref).toBe("in");
  });

  test("past --max-connections: 503, loopback included", async () => {
    const full = await node(["--max-connections", "2"]);
    await client(full.wsUrl);
    await client(full.wsUrl);
    const refused = await openStalledUpgrade(full.port);
    expect(!refused.upgraded && refused.status).toBe(503);
    expect(!refused.upgraded && JSON.parse(refused.body).error).toMatch(/maximum of 2 connections/);
    expect(await readMetric(full.url, 'dsatter_connections_refused_total{reason="total"}')).toBe(1);
    // Plain HTTP still answers: the cap is on connections, not on the node.
    expect((await fetch(`${full.url}/healthz`)).status).toBe(200);
  });

  test("loopback is exempt from the per-address cap by default: 1,100 connections from 127.0.0.1", async () => {
    const open = await node([]);
    for (let i = 0; i < 1100; i++) {
      const answer = await openStalledUpgrade(open.port);
      if (!answer.upgraded) throw new Error(`refused at ${i}: ${answer.status} ${answer.body}`);
      sockets.push(answer.socket);
    }
    await waitUntil(async () => (await openClients(open.url)) === 1100, {
      deadlineMs: 20_000,
      pollMs: 100,
    });
    expect(await readMetric(open.url, 'dsatter_connections_refused_total{reason="per_address"}'))
      .toBe(0);
  });
});

describe("REST POST per address", () => {
  test("past --post-rate-limit: 429 with Retry-After, nothing stored", async () => {
    const limited = await node(["--limit-loopback", "--post-rate-limit", "2"]);
    const post = (i: number) =>
      fetch(`${limited.url}/api/chats/11/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: `post ${i}`, sender: "rest" }),
      });
    for (let i = 0; i < 20; i++) expect((await post(i)).status).toBe(201); // the burst: 10 x 2
    const refused = await post(20);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).error).toMatch(/too many requests from your address/);
    const stored = await (await fetch(`${limited.url}/api/chats/11/messages?limit=100`)).json();
    expect(stored.length).toBe(20);
    expect(await readMetric(limited.url, "dsatter_http_rate_limited_total")).toBe(1);
  });
});
