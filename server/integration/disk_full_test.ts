/**
 * A real node whose database sits on a small tmpfs that fills up: it refuses
 * writes with `storage_full` (and REST with 503) instead of exiting, keeps
 * answering reads, acknowledges nothing it did not store, writes again by
 * itself once space comes back, and after a restart every message it
 * acknowledged is there with its seqs gapless. Needs root to mount the tmpfs;
 * says why and skips without it.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { ChatMessage } from "../../common/protocol.ts";
import { mountSmallDisk, type SmallDisk } from "../../chaos/small_disk.ts";
import { type SpawnedNode, spawnNode } from "../testing/spawn_node.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

const unavailable = process.getuid?.() === 0 ? null : "not running as root (tmpfs mount)";
if (unavailable) console.warn(`disk full test SKIPPED: ${unavailable}`);

const BIG_TEXT = "ballast ".repeat(450);

function acks(client: TestClient): Map<string, string> {
  const map = new Map<string, string>();
  for (const frame of client.frames) {
    if (frame.type !== "clientMessageResponse") continue;
    const ack = frame.payload as { clientMsgId: string; messageId: string };
    map.set(ack.clientMsgId, ack.messageId);
  }
  return map;
}

function errorCodes(client: TestClient): string[] {
  return client.frames.filter((f) => f.type === "error").map((f) =>
    (f.payload as { code: string }).code
  );
}

async function readAll(node: SpawnedNode): Promise<ChatMessage[]> {
  const reader = await openClient(node.wsUrl);
  try {
    reader.send({ type: "subscribe", payload: { chatIds: [987654321] } });
    const all: ChatMessage[] = [];
    let since = {};
    for (let page = 0; page < 100; page++) {
      reader.send({ type: "clientSyncRequest", payload: { since, limit: 1000 }, ref: `p${page}` });
      const reply = await reader.next((f) => f.ref === `p${page}`, 20_000);
      all.push(...(reply.payload as ChatMessage[]));
      if (!reply.more) break;
      since = reply.vector!;
    }
    return all;
  } finally {
    await reader.close();
  }
}

describe("a node whose disk fills up", () => {
  test.skipIf(unavailable !== null)(
    "refuses writes with storage_full, keeps serving reads, and recovers by itself with seqs gapless",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "dsatter-diskfull-"));
      let disk: SmallDisk | undefined;
      let node: SpawnedNode | undefined;
      try {
        disk = mountSmallDisk(join(dir, "disk"), 24);
        const dbPath = join(disk.path, "node.db");
        node = await spawnNode({ dbPath });
        const writer = await openClient(node.wsUrl);
        let sent = 0;
        const send = () => {
          sent += 1;
          writer.send({
            type: "newMessageFromClient",
            payload: {
              chatId: 1,
              sender: "ann",
              text: `${sent} ${BIG_TEXT}`,
              clientMsgId: `m${sent}`,
            },
            ref: `m${sent}`,
          });
        };
        for (let i = 0; i < 20; i++) send();
        await waitUntil(() => acks(writer).size === 20, { deadlineMs: 20_000 });

        disk.fill();
        await waitUntil(
          () => {
            send();
            return errorCodes(writer).includes("storage_full");
          },
          { deadlineMs: 30_000, pollMs: 20 },
        );
        const refusal = writer.frames.find((f) => f.type === "error")!;
        expect((refusal.payload as { message: string }).message).toContain("disk is full");
        expect(refusal.ref).toMatch(/^m\d+$/);
        expect(errorCodes(writer).every((code) => code === "storage_full")).toBe(true);
        // Still up, still reading; REST writes get 503.
        expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
        expect((await readAll(node)).length).toBeGreaterThanOrEqual(20);
        const rest = await fetch(`${node.url}/api/chats/1/messages`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: BIG_TEXT, sender: "bob" }),
        });
        expect(rest.status).toBe(503);
        expect(((await rest.json()) as { error: string }).error).toContain("disk is full");

        disk.free();
        const acksBefore = acks(writer).size;
        await waitUntil(
          () => {
            send();
            return acks(writer).size > acksBefore;
          },
          { deadlineMs: 30_000, pollMs: 100 },
        );
        await writer.close();
        const acked = acks(writer);

        // Restart on the same file: every acknowledged message is there, seqs 1..n.
        await node.stop();
        node = await spawnNode({ dbPath });
        const stored = await readAll(node);
        const ids = new Set(stored.map((m) => m.messageId));
        for (const messageId of acked.values()) expect(ids.has(messageId)).toBe(true);
        const seqs = stored.map((m) => m.seq).sort((a, b) => a - b);
        expect(seqs).toEqual(seqs.map((_, i) => i + 1));
        expect(node.stderrLines.join("\n")).not.toContain("unhandled");
      } finally {
        await node?.stop();
        disk?.unmount();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
