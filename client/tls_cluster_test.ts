/**
 * TLS everywhere, as an operator would run it: a private CA and certificate
 * made by openssl, discovery and three nodes serving https:// and wss:// with
 * them, nodes trusting the CA for discovery and peers (`--ca`), and the
 * terminal client trusting it too. The plain cluster's checks, over TLS: chat
 * across nodes, resume with `since` on another node, and the terminal client's
 * failover when its node dies.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChatMessage } from "../common/protocol.ts";
import {
  startTestCluster,
  type TestCluster,
  waitForPeers,
} from "../server/testing/peer_test_cluster.ts";
import { fetchTrusting, makeTestTls, type TestTls } from "../server/testing/test_tls.ts";
import { openClient, type TestClient } from "../server/testing/ws_test_client.ts";
import { waitUntil } from "../common/testing/wait_until.ts";
import { runClient, spawnClient } from "./testing/spawn_client.ts";

const CHAT = 4242;

async function withTlsCluster(body: (cluster: TestCluster, tls: TestTls) => Promise<void>) {
  const tls = makeTestTls();
  let cluster: TestCluster | undefined;
  try {
    cluster = await startTestCluster({ size: 3, tls });
    await waitForPeers(cluster.nodes, 2);
    await body(cluster, tls);
  } finally {
    await cluster?.stop();
    tls.remove();
  }
}

async function sendAcked(client: TestClient, text: string): Promise<void> {
  client.send({
    type: "newMessageFromClient",
    payload: { chatId: CHAT, sender: "tls", text, clientMsgId: text },
  });
  await client.next(
    (f) =>
      f.type === "clientMessageResponse" &&
      (f.payload as { clientMsgId: string }).clientMsgId === text,
    20_000,
  );
}

function texts(client: TestClient): string[] {
  return client.frames.filter((f) => f.type === "newMessagesForClient")
    .map((f) => (f.payload as ChatMessage[])[0].text);
}

test("a TLS cluster: https lines, tls in discovery's list, chat across nodes, resume with since", async () => {
  await withTlsCluster(async (cluster, tls) => {
    assert.match(cluster.discovery.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    for (const node of cluster.nodes) {
      assert.match(node.stdoutLines[0], /^listening on https:\/\/127\.0\.0\.1:\d+$/);
      assert.match(node.wsUrl, /^wss:\/\//);
    }
    const active =
      await (await fetchTrusting(tls.caPem, `${cluster.discovery.url}/api/nodes/active`))
        .json() as { activeNodes: Array<{ tls?: boolean }> };
    assert.equal(active.activeNodes.length, 3);
    assert.ok(active.activeNodes.every((node) => node.tls === true));
    const clients = await (await fetchTrusting(tls.caPem, `${cluster.discovery.url}/api/clients`))
      .json() as { activeNodes: object[] };
    assert.deepEqual(Object.keys(clients.activeNodes[0]), ["address", "clientport"]);
    // Plain HTTP to a TLS node gets nowhere.
    await assert.rejects(fetch(cluster.nodes[0].url.replace("https:", "http:") + "/healthz"));

    const [nodeA, nodeB, nodeC] = cluster.nodes;
    const reader = await openClient(nodeC.wsUrl, { caPem: tls.caPem });
    const writer = await openClient(nodeA.wsUrl, { caPem: tls.caPem });
    try {
      reader.send({ type: "subscribe", payload: { chatIds: [CHAT] } });
      reader.send({ type: "hello", payload: { name: "reader" } });
      const welcome = await reader.next((f) => f.type === "welcome");
      await sendAcked(writer, "across 1");
      await waitUntil(() => texts(reader).includes("across 1"), { deadlineMs: 20_000, pollMs: 50 });

      // Resume: what the reader missed while away, asked on node B with its last vector.
      const vector = (welcome.payload as { vector: Record<string, number> }).vector;
      await reader.close();
      await sendAcked(writer, "missed 1");
      await sendAcked(writer, "missed 2");
      const resumed = await openClient(nodeB.wsUrl, { caPem: tls.caPem });
      try {
        let got: string[] = [];
        await waitUntil(
          async () => {
            const ref = `r${Date.now()}`;
            resumed.send({
              type: "clientSyncRequest",
              payload: { chatId: CHAT, since: vector },
              ref,
            });
            const reply = await resumed.next((f) => f.type === "clientSyncReply" && f.ref === ref);
            got = (reply.payload as ChatMessage[]).map((m) => m.text);
            return got.includes("missed 2");
          },
          { deadlineMs: 20_000, pollMs: 200 },
        );
        assert.deepEqual(got, ["across 1", "missed 1", "missed 2"]);
      } finally {
        await resumed.close();
      }
    } finally {
      await writer.close();
    }
  });
});

test("the terminal client over TLS: --send with --ca, refused without it, --follow fails over", async () => {
  await withTlsCluster(async (cluster, tls) => {
    const discovery = cluster.discovery.url;
    const refused = await runClient(["--discovery", discovery, "--send", "no trust"], {
      deadlineMs: 30_000,
    });
    assert.notEqual(refused.code, 0);
    const sent = await runClient(
      ["--discovery", discovery, "--ca", tls.caPath, "--send", "trusted", "--chat", String(CHAT)],
      { deadlineMs: 30_000 },
    );
    assert.equal(sent.code, 0, sent.stderr.join("\n"));

    const follower = await spawnClient([
      ...["--discovery", discovery, "--ca", tls.caPath, "--follow", "--json"],
      ...["--chat", String(CHAT), "--name", "fol"],
    ]);
    const writers: TestClient[] = [];
    try {
      const connected = await follower.waitForStderr((l) => l.startsWith("connected to node"));
      const onNodeId = Number(/connected to node (\d+)/.exec(connected)![1]);
      const victim = cluster.nodes.find((n) => n.nodeId === onNodeId)!;
      const survivor = cluster.nodes.find((n) => n !== victim)!;
      const writer = await openClient(survivor.wsUrl, { caPem: tls.caPem });
      writers.push(writer);
      await sendAcked(writer, "before");
      await follower.waitForStdout((line) => line.includes('"before"'));
      await victim.kill("SIGKILL");
      await sendAcked(writer, "during");
      await follower.waitForStderr((l) => l.startsWith("reconnected to node"), 40_000);
      await sendAcked(writer, "after");
      await follower.waitForStdout((line) => line.includes('"after"'), 20_000);
      const shown = follower.stdoutLines.map((line) => JSON.parse(line).text as string);
      assert.deepEqual(shown, ["before", "during", "after"]);
    } finally {
      for (const writer of writers) await writer.close();
      assert.equal(await follower.stop(), 0);
    }
  });
});
