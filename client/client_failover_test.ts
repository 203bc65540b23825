/**
 * Failover as a user sees it: a `--follow --json` client on one node of a
 * two-node cluster; that node is killed while another client keeps sending on
 * the other node; the follower's output must have every message exactly once,
 * in order, including its own line typed while it was offline.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type SpawnedNode, spawnNode, TEST_CLUSTER_SECRET } from "../server/testing/spawn_node.ts";
import { openClient, type TestClient } from "../server/testing/ws_test_client.ts";
import { waitUntil } from "../common/testing/wait_until.ts";
import { spawnDiscovery } from "../discovery/testing/spawn_discovery.ts";
import { spawnClient, type SpawnedClient } from "./testing/spawn_client.ts";

async function healthPeers(node: SpawnedNode): Promise<number> {
  try {
    const response = await fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(5000) });
    return ((await response.json()) as { peers: number }).peers;
  } catch {
    return -1;
  }
}

async function listedNodes(discoveryUrl: string): Promise<number> {
  const response = await fetch(`${discoveryUrl}/api/clients`, {
    signal: AbortSignal.timeout(5000),
  });
  return ((await response.json()) as { activeNodes: unknown[] }).activeNodes.length;
}

/** Sends one message and waits for its acknowledgement. */
async function sendAcked(client: TestClient, text: string): Promise<void> {
  const clientMsgId = `t-${text}`;
  client.send({
    type: "newMessageFromClient",
    payload: { text, sender: "sender", chatId: 11, clientMsgId },
  });
  await client.next(
    (frame) =>
      frame.type === "clientMessageResponse" &&
      (frame.payload as { clientMsgId: string }).clientMsgId === clientMsgId,
    20_000,
  );
}

/** Runs body against a discovery and two nodes listed by it and linked to each other; stops all. */
async function withLinkedPair(
  body: (discovery: { url: string }, nodes: SpawnedNode[]) => Promise<void>,
): Promise<void> {
  const discovery = await spawnDiscovery({ clusterSecret: TEST_CLUSTER_SECRET, ttlSeconds: 3 });
  const nodes: SpawnedNode[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      nodes.push(await spawnNode({ extraArgs: ["--discovery", discovery.url] }));
    }
    await waitUntil(async () => (await listedNodes(discovery.url)) === 2, {
      deadlineMs: 20_000,
      pollMs: 100,
    });
    await waitUntil(
      async () => (await healthPeers(nodes[0])) >= 1 && (await healthPeers(nodes[1])) >= 1,
      { deadlineMs: 20_000, pollMs: 100 },
    );
    await body(discovery, nodes);
  } finally {
    for (const node of nodes) await node.stop();
    await discovery.stop();
  }
}

/** The node the follower connected to (to be killed or frozen) and the other one. */
async function splitByFollower(
  follower: SpawnedClient,
  nodes: SpawnedNode[],
): Promise<{ victim: SpawnedNode; survivor: SpawnedNode }> {
  const connected = await follower.waitForStderr((l) => l.startsWith("connected to node"));
  const onNodeId = Number(/connected to node (\d+)/.exec(connected)![1]);
  const victim = nodes.find((n) => n.nodeId === onNodeId);
  const survivor = nodes.find((n) => n !== victim);
  assert.ok(victim && survivor, `node ${onNodeId} is one of ours`);
  return { victim, survivor };
}

test("client --follow fails over when its node dies and shows every message exactly once", async () => {
  await withLinkedPair(async (discovery, nodes) => {
    const follower = await spawnClient(
      ["--discovery", discovery.url, "--follow", "--json", "--name", "fol"],
      { stdin: true },
    );
    let sender: TestClient | undefined;
    try {
      const { victim, survivor } = await splitByFollower(follower, nodes);
      sender = await openClient(survivor.wsUrl);

      const expected: string[] = [];
      for (let i = 1; i <= 5; i++) {
        expected.push(`before ${i}`);
        await sendAcked(sender, `before ${i}`);
      }
      // Replicated to the follower's node and delivered live.
      await follower.waitForStdout((line) => line.includes('"before 5"'));

      await victim.kill("SIGKILL");
      await follower.writeLine("typed while offline");
      for (let i = 1; i <= 5; i++) {
        expected.push(`during ${i}`);
        await sendAcked(sender, `during ${i}`);
      }
      const reconnected = await follower.waitForStderr((l) => l.startsWith("reconnected to node"));
      assert.match(
        reconnected,
        new RegExp(`^reconnected to node ${survivor.nodeId}, \\d+ missed messages? fetched$`),
      );
      for (let i = 1; i <= 5; i++) {
        expected.push(`after ${i}`);
        await sendAcked(sender, `after ${i}`);
      }
      await follower.waitForStdout((line) => line.includes('"after 5"'));
      await follower.waitForStdout((line) => line.includes('"typed while offline"'));

      const texts = follower.stdoutLines.map((line) => JSON.parse(line).text as string);
      const own = texts.filter((t) => t === "typed while offline");
      assert.equal(own.length, 1, texts.join(" | "));
      assert.deepEqual(texts.filter((t) => t !== "typed while offline"), expected);
    } finally {
      await sender?.close();
      assert.equal(await follower.stop(), 0);
      if (Deno.env.get("DSATTER_TEST_ECHO")) console.error(follower.stderrLines.join("\n"));
    }
  });
});

test("client --follow shows messages from both origins exactly once across a failover", async () => {
  await withLinkedPair(async (discovery, nodes) => {
    const follower = await spawnClient(["--discovery", discovery.url, "--follow", "--json"]);
    const senders: TestClient[] = [];
    try {
      const { victim, survivor } = await splitByFollower(follower, nodes);
      const onVictim = await openClient(victim.wsUrl);
      const onSurvivor = await openClient(survivor.wsUrl);
      senders.push(onVictim, onSurvivor);

      const expected: string[] = [];
      for (let i = 1; i <= 10; i++) {
        expected.push(`mixed ${i}`);
        await sendAcked(i % 2 ? onVictim : onSurvivor, `mixed ${i}`);
      }
      // Wait until the follower shows all ten: the survivor's half came through the mesh.
      await follower.waitForStdoutCount((line) => line.includes('"mixed '), 10);
      await victim.kill("SIGKILL");
      for (let i = 1; i <= 5; i++) {
        expected.push(`later ${i}`);
        await sendAcked(onSurvivor, `later ${i}`);
      }
      await follower.waitForStderr((l) => l.startsWith(`reconnected to node ${survivor.nodeId}`));
      await follower.waitForStdout((line) => line.includes('"later 5"'));
      const texts = follower.stdoutLines.map((line) => JSON.parse(line).text as string);
      assert.deepEqual([...texts].sort(), [...expected].sort(), texts.join(" | "));
      // The survivor's own messages keep their order.
      assert.deepEqual(texts.filter((t) => t.startsWith("later")), expected.slice(10));
    } finally {
      for (const sender of senders) await sender.close();
      assert.equal(await follower.stop(), 0);
    }
  });
});

test("client --follow leaves a node that hangs (SIGSTOP) and shows every message once", async () => {
  await withLinkedPair(async (discovery, nodes) => {
    const follower = await spawnClient(["--discovery", discovery.url, "--follow", "--json"], {
      stdin: true,
    });
    let sender: TestClient | undefined;
    let frozen: SpawnedNode | undefined;
    try {
      const { victim, survivor } = await splitByFollower(follower, nodes);
      sender = await openClient(survivor.wsUrl);
      const expected: string[] = [];
      for (let i = 1; i <= 3; i++) {
        expected.push(`awake ${i}`);
        await sendAcked(sender, `awake ${i}`);
      }
      await follower.waitForStdout((line) => line.includes('"awake 3"'));

      // The node stops answering but its sockets stay open: no close ever comes.
      // Deno.kill, not child.kill: Deno's node:child_process takes its own SIGSTOP for an exit.
      Deno.kill(victim.child.pid!, "SIGSTOP");
      frozen = victim;
      await follower.writeLine("typed while the node hangs");
      for (let i = 1; i <= 3; i++) {
        expected.push(`hung ${i}`);
        await sendAcked(sender, `hung ${i}`);
      }
      const lost = await follower.waitForStderr((l) => l.startsWith("lost connection"), 40_000);
      assert.match(lost, /no answer for \d+ s/);
      await follower.waitForStderr(
        (l) => l.startsWith(`reconnected to node ${survivor.nodeId}`),
        40_000,
      );
      await follower.waitForStdout((line) => line.includes('"hung 3"'), 20_000);
      await follower.waitForStdout((line) => line.includes('"typed while the node hangs"'), 20_000);
      const texts = follower.stdoutLines.map((line) => JSON.parse(line).text as string);
      assert.deepEqual(texts.filter((t) => t !== "typed while the node hangs"), expected);
      assert.equal(texts.filter((t) => t === "typed while the node hangs").length, 1);
    } finally {
      if (frozen) Deno.kill(frozen.child.pid!, "SIGCONT");
      await sender?.close();
      assert.equal(await follower.stop(), 0);
    }
  });
});
