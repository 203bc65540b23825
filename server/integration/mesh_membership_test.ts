/**
 * Membership through a real discovery: nodes register and appear with their
 * port and load (heartbeats every ttl/3), presence crosses nodes and leaves
 * with a killed node's link, and a clean stop logs out at once.
 */
import { describe, expect, test } from "bun:test";
import type { PresenceEntry } from "../../common/protocol.ts";
import { spawnDiscovery } from "../../discovery/testing/spawn_discovery.ts";
import { TEST_CLUSTER_SECRET } from "../testing/spawn_node.ts";
import {
  QUIET_CHAT,
  startTestCluster,
  type TestCluster,
  waitForPeers,
} from "../testing/peer_test_cluster.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { useTestCluster } from "../testing/cluster_fixture.ts";

interface Listed {
  id: number;
  address: string;
  clientport: number;
  load: number;
}

async function activeNodes(cluster: TestCluster): Promise<Listed[]> {
  const response = await fetch(`${cluster.discovery.url}/api/nodes/active`);
  return (await response.json() as { activeNodes: Listed[] }).activeNodes;
}

async function presenceOn(client: TestClient, ref: string): Promise<PresenceEntry[]> {
  client.send({ type: "presence", payload: {}, ref });
  const reply = await client.next((f) => f.type === "presenceList" && f.ref === ref);
  return reply.payload as PresenceEntry[];
}

describe("mesh membership", () => {
  const suite = useTestCluster({ size: 3, ttlSeconds: 3 });
  const clients = suite.clients;

  test("every node is listed with its real port and its load from heartbeats", async () => {
    const [nodeA] = suite.cluster.nodes;
    for (let i = 0; i < 2; i++) {
      const client = await openClient(nodeA.wsUrl);
      client.send({ type: "subscribe", payload: { chatIds: [QUIET_CHAT] } });
      clients.push(client);
    }
    await waitUntil(
      async () => {
        const listed = await activeNodes(suite.cluster);
        return listed.length === 3 && listed.find((n) => n.id === nodeA.nodeId)?.load === 2;
      },
      { deadlineMs: 15_000, pollMs: 100 },
    );
    const listed = await activeNodes(suite.cluster);
    expect(listed.map((n) => n.clientport).sort()).toEqual(
      suite.cluster.nodes.map((n) => n.port).sort(),
    );
    expect(listed.every((n) => n.address === "127.0.0.1")).toBe(true);
  });

  test("presence crosses nodes and is dropped when a node's link dies", async () => {
    const [nodeA, nodeB, nodeC] = suite.cluster.nodes;
    const onC = await openClient(nodeC.wsUrl);
    const onB = await openClient(nodeB.wsUrl);
    clients.push(onC, onB);
    onC.send({ type: "hello", payload: { name: "carol" } });
    onB.send({ type: "hello", payload: { name: "bob" } });
    await onB.next((f) => f.type === "welcome");
    let round = 0;
    await waitUntil(
      async () => {
        const list = await presenceOn(onB, `p${round++}`);
        return list.some((p) => p.name === "carol" && p.nodeId === nodeC.nodeId);
      },
      { deadlineMs: 15_000, pollMs: 50 },
    );
    await nodeC.kill("SIGKILL");
    await onB.next((f) => {
      const event = f.payload as { name?: string; online?: boolean };
      return f.type === "presence" && event.name === "carol" && event.online === false;
    }, 30_000);
    const list = await presenceOn(onB, "after-kill");
    expect(list.some((p) => p.nodeId === nodeC.nodeId)).toBe(false);
    expect(list.some((p) => p.name === "bob" && p.nodeId === nodeB.nodeId)).toBe(true);
    await waitForPeers([nodeA, nodeB], 1, 30_000);
  });

  test("a node stopped cleanly leaves discovery's list at once", async () => {
    const [nodeA, nodeB] = suite.cluster.nodes;
    expect(await nodeB.stop()).toBe(0);
    const listed = await activeNodes(suite.cluster);
    expect(listed.some((n) => n.id === nodeB.nodeId)).toBe(false);
    await waitForPeers([nodeA], 0, 30_000);
  });
});

describe("mesh without discovery", () => {
  test("linked nodes keep replicating while discovery is down", async () => {
    const cluster = await startTestCluster({ size: 2, ttlSeconds: 3 });
    const clients: TestClient[] = [];
    try {
      await waitForPeers(cluster.nodes, 1);
      await cluster.discovery.kill("SIGKILL");
      const [nodeA, nodeB] = cluster.nodes;
      const onA = await openClient(nodeA.wsUrl);
      const onB = await openClient(nodeB.wsUrl);
      clients.push(onA, onB);
      onB.send({ type: "subscribe", payload: { chatIds: [4711] } });
      onA.send({
        type: "newMessageFromClient",
        payload: { chatId: 4711, sender: "ann", text: "discovery is gone" },
      });
      const frame = await onB.next((f) => f.type === "newMessagesForClient", 20_000);
      expect((frame.payload as Array<{ text: string }>)[0].text).toBe("discovery is gone");
      await waitForPeers(cluster.nodes, 1);
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => null)));
      await cluster.stop();
    }
  }, 60_000);
});

describe("mesh addresses and regions", () => {
  test(
    "a node bound to one address is listed under that address, and reachable there",
    async () => {
      const cluster = await startTestCluster({ size: 0, ttlSeconds: 3 });
      try {
        const node = await cluster.addNode({ extraArgs: ["--host", "127.0.0.2"] });
        expect(node.url).toBe(`http://127.0.0.2:${node.port}`);
        let listed: Array<{ address: string; clientport: number }> = [];
        await waitUntil(async () => {
          const response = await fetch(`${cluster.discovery.url}/api/clients`);
          listed = ((await response.json()) as { activeNodes: typeof listed }).activeNodes;
          return listed.length === 1;
        }, { deadlineMs: 15_000 });
        expect(listed).toEqual([{ address: "127.0.0.2", clientport: node.port }]);
        const health = await fetch(`http://${listed[0].address}:${listed[0].clientport}/healthz`);
        expect(health.status).toBe(200);
      } finally {
        await cluster.stop();
      }
    },
    60_000,
  );

  test(
    "a node's --region reaches discovery, which lists it first for clients of that region",
    async () => {
      const cluster = await startTestCluster({ size: 0, ttlSeconds: 3 });
      try {
        const west = await cluster.addNode({ extraArgs: ["--region", "eu-west"] });
        const east = await cluster.addNode({ extraArgs: ["--region", "us-east"] });
        const firstFor = async (region: string) => {
          const url = `${cluster.discovery.url}/api/clients?region=${region}`;
          const listed = (await (await fetch(url)).json()) as {
            activeNodes: Array<{ address: string; clientport: number }>;
          };
          return listed.activeNodes.length === 2 ? listed.activeNodes[0].clientport : undefined;
        };
        await waitUntil(async () => (await firstFor("eu-west")) !== undefined, {
          deadlineMs: 15_000,
        });
        for (let i = 0; i < 5; i++) {
          expect(await firstFor("eu-west")).toBe(west.port);
          expect(await firstFor("us-east")).toBe(east.port);
        }
      } finally {
        await cluster.stop();
      }
    },
    60_000,
  );
});

describe("discovery restarted on an empty KV", () => {
  test("nodes take their ids back and are listed again; new ids come after theirs", async () => {
    const cluster = await startTestCluster({ size: 2, ttlSeconds: 2 });
    let fresh: Awaited<ReturnType<typeof spawnDiscovery>> | undefined;
    try {
      await waitForPeers(cluster.nodes, 1);
      const port = cluster.discovery.port;
      await cluster.discovery.kill("SIGKILL");
      fresh = await spawnDiscovery({
        clusterSecret: TEST_CLUSTER_SECRET,
        ttlSeconds: 2,
        port,
        host: "127.0.0.1",
      });
      const ids = cluster.nodes.map((node) => node.nodeId).sort();
      await waitUntil(async () => {
        const response = await fetch(`${fresh!.url}/api/nodes/active`);
        const listed = (await response.json()) as { activeNodes: Listed[] };
        return JSON.stringify(listed.activeNodes.map((n) => n.id).sort()) === JSON.stringify(ids);
      }, { deadlineMs: 20_000 });
      const registered = await fetch(`${fresh.url}/api/nodes/register`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${TEST_CLUSTER_SECRET}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ password: "newcomer" }),
      });
      const { id } = (await registered.json()) as { id: number };
      expect(id).toBeGreaterThan(Math.max(...(ids as number[])));
    } finally {
      await fresh?.stop();
      await cluster.stop();
    }
  }, 60_000);
});
