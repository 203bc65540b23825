/**
 * A node killed between its durable commit and its acknowledgement: with the
 * test hook DSATTER_TEST_HOLD_ACKS the node stops right after a batch is durable
 * (the durability worker flushed it), before any ack or delivery went out; it
 * is SIGKILLed there. After a restart on the same database the message is in
 * history, and sending it again with the same clientMsgId is acknowledged with
 * the same messageId, never stored twice.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOLD_ACKS_LINE } from "../config/test_hold_acks.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { spawnNode } from "../testing/spawn_node.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";

setDefaultTimeout(60_000);

interface WireMessage {
  messageId: string;
  text: string;
  clientMsgId?: string;
}

const message = (clientMsgId: string) => ({
  type: "newMessageFromClient",
  payload: { text: `held ${clientMsgId}`, sender: "kim", chatId: 11, clientMsgId },
});

async function history(client: TestClient): Promise<WireMessage[]> {
  client.send({ type: "clientSyncRequest", payload: { chatId: 11, limit: 100 }, ref: "h" });
  const reply = await client.next((f) => f.ref === "h");
  return reply.payload as WireMessage[];
}

describe("a node killed after its commit is durable, before the ack", () => {
  test("keeps the message, and a resend is acknowledged with the same messageId", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dsatter-hold-"));
    const dbPath = join(dir, "node.db");
    try {
      const held = await spawnNode({ dbPath, env: { DSATTER_TEST_HOLD_ACKS: "1" } });
      try {
        const sender = await openClient(held.wsUrl);
        sender.send(message("m-1"));
        await waitUntil(() => held.stderrLines.some((line) => line.includes(HOLD_ACKS_LINE)), {
          deadlineMs: 20_000,
          what: "the node to hold a durable batch",
        });
        await held.kill("SIGKILL");
        await sender.closed;
        expect(sender.frames.filter((f) => f.type === "clientMessageResponse")).toEqual([]);
        expect(sender.frames.filter((f) => f.type === "newMessagesForClient")).toEqual([]);
      } finally {
        await held.kill();
      }

      const restarted = await spawnNode({ dbPath });
      try {
        const client = await openClient(restarted.wsUrl);
        const stored = await history(client);
        expect(stored.map((m) => [m.clientMsgId, m.text])).toEqual([["m-1", "held m-1"]]);
        client.send(message("m-1"));
        const ack = await client.next((f) => f.type === "clientMessageResponse");
        expect(ack.payload).toEqual({ clientMsgId: "m-1", messageId: stored[0].messageId });
        expect((await history(client)).map((m) => m.messageId)).toEqual([stored[0].messageId]);
        await client.close();
      } finally {
        await restarted.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
