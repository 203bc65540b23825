/**
 * Lifecycle of a real node: SIGTERM closes clients with 1001 and exits 0;
 * SIGKILL in the middle of a burst of acknowledged sends loses none of them,
 * and the restarted node (same DB, same id) carries on numbering without gaps.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnNode } from "../testing/spawn_node.ts";
import { openClient, type ReceivedFrame, type TestClient } from "../testing/ws_test_client.ts";

// Real node processes on a shared, loaded machine: generous deadlines (hooks too).
setDefaultTimeout(60_000);

interface WireMessage {
  messageId: string;
  nodeId: number;
  seq: number;
  clientMsgId?: string;
}

/** Every message of the node, by resuming `since` page after page. */
async function readEverything(client: TestClient): Promise<WireMessage[]> {
  const all: WireMessage[] = [];
  let vector: Record<string, number> = {};
  for (let page = 0;; page++) {
    const ref = `all-${page}`;
    client.send({ type: "clientSyncRequest", payload: { since: vector, limit: 1000 }, ref });
    const reply: ReceivedFrame = await client.next((f) => f.ref === ref);
    expect(reply.type).toBe("clientSyncReply");
    all.push(...reply.payload as WireMessage[]);
    vector = reply.vector!;
    if (!reply.more) return all;
  }
}

describe("node lifecycle", () => {
  test("SIGTERM closes clients with 1001 and exits 0", async () => {
    const node = await spawnNode();
    let code: number | null = -1;
    try {
      const client = await openClient(node.wsUrl);
      const closed = client.closed;
      code = await node.stop();
      expect((await closed).code).toBe(1001);
    } finally {
      await node.kill();
    }
    expect(code).toBe(0);
  });

  test("a second node on a port in use, or on a DB in use, refuses to start", async () => {
    const first = await spawnNode();
    try {
      await expect(spawnNode({ extraArgs: ["--port", String(first.port)] })).rejects.toThrow(
        /Cannot start node/,
      );
      await expect(spawnNode({ dbPath: first.dbPath })).rejects.toThrow(/database is locked/);
      const health = await (await fetch(`${first.url}/healthz`)).json();
      expect(health.nodeId).toBe(first.nodeId);
    } finally {
      await first.stop();
    }
  });

  test(
    "SIGKILL during a burst of acked sends: after restart every acked message is there",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "dsatter-kill-"));
      const dbPath = join(dir, "node.db");
      try {
        const first = await spawnNode({ dbPath });
        const acked = new Map<string, string>();
        try {
          const sender = await openClient(first.wsUrl);
          const countAcks = () => {
            for (const frame of sender.frames) {
              if (frame.type !== "clientMessageResponse") continue;
              const ack = frame.payload as { clientMsgId: string; messageId: string };
              acked.set(ack.clientMsgId, ack.messageId);
            }
          };
          let sent = 0;
          const send = () => {
            sender.send({
              type: "newMessageFromClient",
              payload: { text: `burst ${sent}`, sender: "k", chatId: 11, clientMsgId: `k-${sent}` },
            });
            sent++;
          };
          // A window of up to 200 unacknowledged sends while the first 1,000 are acked.
          while (acked.size < 1000) {
            countAcks();
            while (sent - acked.size < 200) send();
            await sender.next((f) => f.type === "clientMessageResponse");
          }
          // Then 2,000 more at once, so that the kill lands mid-burst even on a loaded machine.
          for (let i = 0; i < 2000; i++) send();
          await first.kill("SIGKILL");
          await sender.closed;
          countAcks();
          expect(sent).toBeGreaterThan(acked.size);
        } finally {
          await first.kill();
        }
        expect(acked.size).toBeGreaterThan(0);

        const second = await spawnNode({ dbPath });
        try {
          expect(second.nodeId).toBe(first.nodeId!);
          const reader = await openClient(second.wsUrl);
          const stored = await readEverything(reader);
          const byClientMsgId = new Map(stored.map((m) => [m.clientMsgId, m.messageId]));
          for (const [clientMsgId, messageId] of acked) {
            expect(byClientMsgId.get(clientMsgId)).toBe(messageId);
          }
          const seqs = stored.map((m) => m.seq).sort((a, b) => a - b);
          expect(seqs).toEqual(seqs.map((_, i) => i + 1));
          reader.send({
            type: "newMessageFromClient",
            payload: { text: "after restart", sender: "k", chatId: 11, clientMsgId: "after" },
          });
          const ack = await reader.next((f) => f.type === "clientMessageResponse");
          const messageId = (ack.payload as { messageId: string }).messageId;
          expect(BigInt(messageId) % 10n ** 12n).toBe(BigInt(seqs.length + 1));
          await reader.close();
        } finally {
          await second.stop();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
