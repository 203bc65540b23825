/**
 * The original DSatter client shape against a real node: three connections that
 * never say hello push messages (no clientMsgId) and count frames. Each must get
 * every message exactly once, one message per frame, and nothing else.
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { spawnNode } from "../testing/spawn_node.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

// Real node processes on a shared, loaded machine: generous deadlines (hooks too).
setDefaultTimeout(60_000);

test(
  "three pushing original-style connections each receive every message exactly once",
  async () => {
    const node = await spawnNode();
    const connections: TestClient[] = [];
    try {
      for (let i = 0; i < 3; i++) connections.push(await openClient(node.wsUrl));
      const perConnection = 200;
      const total = perConnection * connections.length;
      await Promise.all(connections.map(async (connection, c) => {
        for (let i = 0; i < perConnection; i++) {
          // The original sends an extra `id` and no clientMsgId.
          connection.ws.send(JSON.stringify({
            type: "newMessageFromClient",
            id: i,
            payload: { text: `orig ${c}-${i}`, sender: `user${c}`, chatId: 11 },
          }));
          if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
        }
      }));
      await waitUntil(() => connections.every((c) => c.frames.length >= total), {
        deadlineMs: 30_000,
      });
      // Frames that would arrive late (a duplicate) get a moment via one more round trip.
      const probe = await openClient(node.wsUrl);
      probe.send({ type: "clientSyncRequest", payload: [], ref: "probe" });
      await probe.next((f) => f.ref === "probe");
      await probe.close();
      for (const connection of connections) {
        expect(connection.frames.length).toBe(total);
        const texts = new Set<string>();
        for (const frame of connection.frames) {
          expect(frame.type).toBe("newMessagesForClient");
          const payload = frame.payload as Array<{ text: string; chatId: number }>;
          expect(payload.length).toBe(1);
          expect(payload[0].chatId).toBe(11);
          texts.add(payload[0].text);
        }
        expect(texts.size).toBe(total);
      }
    } finally {
      await Promise.all(connections.map((c) => c.close()));
      await node.stop();
    }
  },
  60_000,
);
