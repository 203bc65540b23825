/**
 * A resume onto a node that is catching up (PROTOCOL.md section 3: a client
 * that resumes with `since`, on any node, gets nothing twice). Three real nodes
 * and discovery, each node in its own network namespace (chaos/net_lab.ts);
 * node 2 is cut off while the others take messages; a client that read them on
 * node 0 resumes on node 2 with a vector covering them; after the heal node 2
 * pulls them in by anti-entropy and fans them out live, but not to that client:
 * it gets only what came after, once each. A plain follower on node 2 gets
 * everything once. Needs root for namespaces; says why and skips without it.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatMessage } from "../../common/protocol.ts";
import { ChaosCluster } from "../../chaos/chaos_cluster.ts";
import { readVector } from "../../chaos/final_state.ts";
import { namespaceNetwork, namespacesUnavailable } from "../../chaos/net_lab.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

const unavailable = namespacesUnavailable();
if (unavailable) console.warn(`resume catch-up test SKIPPED: ${unavailable}`);

const CHAT = 42;

async function peersOf(node: { url: string }): Promise<number> {
  try {
    const response = await fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return ((await response.json()) as { peers: number }).peers;
  } catch {
    return -1;
  }
}

/** Sends count messages and waits for their acks (on top of the acks this client had). */
async function sendAcked(client: TestClient, sender: string, count: number): Promise<void> {
  const acks = () => client.frames.filter((f) => f.type === "clientMessageResponse").length;
  const expected = acks() + count;
  for (let i = 0; i < count; i++) {
    client.send({
      type: "newMessageFromClient",
      payload: { chatId: CHAT, sender, text: `${sender} ${i}`, clientMsgId: `${sender}-${i}` },
    });
  }
  await waitUntil(() => acks() >= expected, { deadlineMs: 20_000 });
}

function liveIds(client: TestClient): string[] {
  return client.frames.filter((f) => f.type === "newMessagesForClient").map((f) =>
    (f.payload as ChatMessage[])[0].messageId
  );
}

describe("resume onto a node that is catching up", () => {
  const clients: TestClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => null)));
  });

  test.skipIf(unavailable !== null)(
    "a since vector covering what the node pulls in after a heal keeps those messages from arriving live again",
    async () => {
      const runDir = mkdtempSync(join(tmpdir(), "dsatter-resume-"));
      const network = namespaceNetwork(3);
      let cluster: ChaosCluster | undefined;
      try {
        cluster = await ChaosCluster.start({
          nodeCount: 3,
          runDir,
          network,
          clockMs: () => 0,
          unexpectedExits: [],
          log: () => {},
        });
        expect(await cluster.waitForMesh(30_000)).toBe(true);
        const [a, b, c] = cluster.nodes;
        const follower = await openClient(c.wsUrl);
        clients.push(follower);

        network.setCuts([[2, 0], [0, 2], [2, 1], [1, 2]]);
        await waitUntil(async () => (await peersOf(c)) === 0, { deadlineMs: 30_000, pollMs: 100 });
        const writerA = await openClient(a.wsUrl);
        const writerB = await openClient(b.wsUrl);
        clients.push(writerA, writerB);
        await sendAcked(writerA, "ann", 40);
        await sendAcked(writerB, "bob", 25);

        // A reader took everything on node 0; its position covers all 65.
        const reader = await openClient(a.wsUrl);
        clients.push(reader);
        reader.send({ type: "clientSyncRequest", payload: { since: {} }, ref: "all" });
        const first = await reader.next((f) => f.ref === "all");
        const covered = (first.payload as ChatMessage[]).map((m) => m.messageId);
        expect(covered.length).toBe(65);
        await reader.close();

        // It resumes on the cut-off node, which has none of them yet.
        const resumed = await openClient(c.wsUrl);
        clients.push(resumed);
        resumed.send({
          type: "clientSyncRequest",
          payload: { since: first.vector },
          ref: "resume",
        });
        const reply = await resumed.next((f) => f.ref === "resume");
        expect(reply.payload).toEqual([]);

        network.setCuts([]);
        await waitUntil(async () => (await peersOf(c)) === 2, { deadlineMs: 30_000, pollMs: 100 });
        await waitUntil(
          async () => JSON.stringify(await readVector(c.wsUrl)) === JSON.stringify(first.vector),
          { deadlineMs: 30_000, pollMs: 100 },
        );
        await sendAcked(writerA, "cat", 10);
        await waitUntil(() => liveIds(resumed).length >= 10, { deadlineMs: 20_000 });
        await waitUntil(() => liveIds(follower).length >= 75, { deadlineMs: 20_000 });

        const resumedIds = liveIds(resumed);
        expect(resumedIds.filter((id) => covered.includes(id))).toEqual([]);
        expect(resumedIds.length).toBe(10);
        expect(new Set(resumedIds).size).toBe(10);
        const followerIds = liveIds(follower);
        expect(new Set(followerIds).size).toBe(75);
        expect(followerIds.length).toBe(75);
      } finally {
        if (cluster) await cluster.stop();
        else network.close();
        rmSync(runDir, { recursive: true, force: true });
      }
    },
    150_000,
  );
});
