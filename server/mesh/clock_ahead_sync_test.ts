/**
 * Two real chat nodes (memory stores) linked in memory, one with its clock two
 * minutes ahead: the other refuses its messages without moving its own clock,
 * does not ask for them again round after round (the origin is deferred on the
 * link), and takes every one of them once its clock agrees, in order.
 */
import { afterEach, expect, test } from "bun:test";
import { createPeerAuth } from "../../common/peer_auth_token.ts";
import { type Logger, silentLogger } from "../../common/logger.ts";
import { memoryChatNode } from "../testing/memory_chat_node.ts";
import { linkMeshes } from "../testing/memory_peer_link.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { PeerMesh } from "./peer_mesh.ts";

const auth = createPeerAuth("clock-ahead-test-secret-0123456789");
const meshes: PeerMesh[] = [];
afterEach(() => {
  for (const mesh of meshes.splice(0)) mesh.close();
});

/** A node whose wall clock (and mesh clock) is Date.now() + shift(). */
function nodeWithClock(nodeId: number, shift: () => number, log: Logger = silentLogger) {
  const { node, registry } = memoryChatNode(nodeId, {
    clock: { nowMs: () => Date.now() + shift() },
  });
  const mesh = new PeerMesh({
    node,
    auth,
    log,
    syncIntervalMs: 50,
    clock: { nowMs: () => Date.now() + shift() },
    // The test turns a clock two minutes forward: no link may look silent for it.
    deadAfterMs: 3_600_000,
  });
  meshes.push(mesh);
  return { node, mesh, registry };
}

test(
  "a peer two minutes ahead: refused, deferred, then taken in full once the clocks agree",
  async () => {
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (event: string) => warnings.push(event) };
    let behindShiftMs = 0;
    const ahead = nodeWithClock(1, () => 120_000);
    const behind = nodeWithClock(2, () => behindShiftMs, log);
    let aheadPagesRead = 0;
    const readAfter = ahead.node.readAfter.bind(ahead.node);
    ahead.node.readAfter = (origin, afterSeq, limit) => {
      const page = readAfter(origin, afterSeq, limit);
      if (origin === 1 && page.length > 0) aheadPagesRead += 1;
      return page;
    };
    await linkMeshes(ahead.mesh, behind.mesh, auth);
    await waitUntil(() => behind.mesh.peersConnected() === 1, { deadlineMs: 5000, pollMs: 5 });
    for (let i = 0; i < 5; i++) {
      await ahead.node.sendLocal({
        text: `m${i}`,
        sender: "a",
        chatId: 11,
      });
    }

    await waitUntil(() => behind.registry.render().includes('reason="clock_ahead"'), {
      deadlineMs: 5000,
      pollMs: 5,
    });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // twenty sync rounds
    expect(behind.node.vector()).toEqual({});
    // Asked again at most once or twice (a page already in flight), not every round.
    expect(aheadPagesRead).toBeLessThanOrEqual(3);
    expect(warnings.filter((w) => w === "peer messages refused").length).toBe(1);
    const own = await behind.node.sendLocal({ text: "mine", sender: "b", chatId: 11 });
    expect(Math.abs(Date.parse(own.message.dateTime) - Date.now())).toBeLessThan(5000);

    behindShiftMs = 120_000; // the clocks agree again
    await waitUntil(() => behind.node.vector()["1"] === 5, { deadlineMs: 10_000, pollMs: 10 });
    const history = behind.node.history({ limit: 10 });
    expect(history.ok && history.messages.map((m) => m.text)).toEqual([
      "mine",
      "m0",
      "m1",
      "m2",
      "m3",
      "m4",
    ]);
  },
  30_000,
);
