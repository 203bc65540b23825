/**
 * SIGKILL of a node in the middle of a burst: the two others keep exchanging
 * messages; the killed node, restarted on the same DB, catches up by itself, and
 * every message any node acknowledged is then present on every node.
 * Run once per transport (mesh, NATS backbone).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatMessage } from "../../common/protocol.ts";
import {
  fullHistory,
  startTestCluster,
  TEST_TRANSPORTS,
  type TestCluster,
  waitForConvergence,
  waitForPeers,
} from "../testing/peer_test_cluster.ts";
import type { SpawnedNode } from "../testing/spawn_node.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

const CHAT = 777;
const PER_NODE = 600;

/** Sends `count` messages with clientMsgIds; `acked` collects the acknowledged messageIds. */
function burst(client: TestClient, label: string, count: number): void {
  for (let i = 0; i < count; i++) {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    client.send({
      type: "newMessageFromClient",
      payload: { chatId: CHAT, sender: label, text: `${label} ${i}`, clientMsgId: `${label}-${i}` },
    });
  }
}

function acks(client: TestClient): string[] {
  return client.frames.filter((f) => f.type === "clientMessageResponse").map((f) =>
    (f.payload as { messageId: string }).messageId
  );
}

describe.each(TEST_TRANSPORTS)("crash and restart on the %s", (transport) => {
  let cluster: TestCluster;
  let dataDir: string;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "dsatter-mesh-crash-"));
    cluster = await startTestCluster({ size: 2, transport });
    cluster.nodes.push(await cluster.addNode({ dbPath: join(dataDir, "victim.db") }));
    await waitForPeers(cluster.nodes, 2);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => null)));
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test(
    "a node killed mid-burst catches up on restart and no acknowledged message is lost",
    async () => {
      const [nodeA, nodeB, victim] = cluster.nodes;
      const senders = await Promise.all(cluster.nodes.map((node) => openClient(node.wsUrl)));
      clients.push(...senders);
      burst(senders[0], "n0", PER_NODE);
      burst(senders[1], "n1", PER_NODE);
      // The victim gets a steady stream, up to 250 frames ahead of its acks, until it dies:
      // enough in flight that the kill lands mid-burst even on a fast machine.
      let sent = 0;
      const victimStream = (async () => {
        while (victim.child.exitCode === null && victim.child.signalCode === null) {
          burst(senders[2], `v${sent}`, 50);
          sent += 50;
          const target = sent - 200;
          await waitUntil(
            () => acks(senders[2]).length >= target || victim.child.signalCode !== null,
            { deadlineMs: 30_000, pollMs: 2 },
          ).catch(() => {});
        }
      })();
      await waitUntil(() => acks(senders[2]).length >= 300, { deadlineMs: 30_000, pollMs: 5 });
      await victim.kill("SIGKILL");
      await victimStream;
      const ackedByVictim = acks(senders[2]);
      expect(sent).toBeGreaterThan(ackedByVictim.length);

      // The survivors keep going: more messages on A reach a listener on B.
      const listenerOnB = await openClient(nodeB.wsUrl);
      clients.push(listenerOnB);
      burst(senders[0], "after", 50);
      await waitUntil(
        () =>
          listenerOnB.frames.filter((f) =>
            f.type === "newMessagesForClient" &&
            (f.payload as ChatMessage[])[0].sender === "after"
          ).length === 50,
        { deadlineMs: 30_000, pollMs: 20 },
      );
      await waitUntil(() => acks(senders[0]).length === PER_NODE + 50, {
        deadlineMs: 30_000,
        pollMs: 20,
      });
      await waitUntil(() => acks(senders[1]).length === PER_NODE, {
        deadlineMs: 30_000,
        pollMs: 20,
      });

      const restarted: SpawnedNode = await cluster.addNode({ dbPath: victim.dbPath });
      const nodes = [nodeA, nodeB, restarted];
      await waitForPeers(nodes, 2);
      const acked = [...acks(senders[0]), ...acks(senders[1]), ...ackedByVictim];
      await waitForConvergence(nodes, acked.length, 30_000);
      const histories = await Promise.all(nodes.map((node) => fullHistory(node, CHAT)));
      const reference = histories[0].map((m) => m.messageId);
      for (const history of histories) {
        const ids = history.map((m) => m.messageId);
        expect(ids).toEqual(reference);
        const present = new Set(ids);
        expect(acked.filter((id) => !present.has(id))).toEqual([]);
      }
    },
    120_000,
  );
});
