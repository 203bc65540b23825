/**
 * PeerMesh with real links over in-memory sockets and a memory chat node: the
 * tie-break keeps one link per pair, live fan-out and anti-entropy deliver
 * everything (including through a relay), a dropped live frame is repaired,
 * and a peer's presence goes away with its link.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createPeerAuth, randomNonce } from "../../common/peer_auth_token.ts";
import { silentLogger } from "../../common/logger.ts";
import type { PeerLink } from "./peer_link.ts";
import { PeerMesh } from "./peer_mesh.ts";
import { linkMeshes, MemorySocket } from "../testing/memory_peer_link.ts";
import { MemoryMeshNode } from "../testing/memory_mesh.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

const SECRET = "peer-mesh-test-secret-0123456789";
const auth = createPeerAuth(SECRET);

const meshes: PeerMesh[] = [];

function meshFor(node: MemoryMeshNode, syncIntervalMs = 100): PeerMesh {
  const mesh = new PeerMesh({ node, auth, log: silentLogger, syncIntervalMs });
  meshes.push(mesh);
  return mesh;
}

/** Dials `acceptor` from `dialler` the way the endpoint and dialer do, over memory sockets. */
function connect(
  dialler: PeerMesh,
  acceptor: PeerMesh,
  sockets: { dialSide?: MemorySocket; acceptSide?: MemorySocket } = {},
): Promise<[PeerLink, PeerLink]> {
  return linkMeshes(dialler, acceptor, auth, sockets);
}

afterEach(() => {
  for (const mesh of meshes.splice(0)) mesh.close();
});

describe("PeerMesh", () => {
  test("PeerMesh keeps one link per pair: the one dialled by the lower id, on both sides", async () => {
    const low = meshFor(new MemoryMeshNode(1));
    const high = meshFor(new MemoryMeshNode(2));
    const [lowDialled] = await connect(low, high);
    const [highDialled] = await connect(high, low);
    await waitUntil(() => highDialled.state === "closed" && lowDialled.state === "open", {
      deadlineMs: 5000,
      pollMs: 5,
    });
    expect(low.peersConnected()).toBe(1);
    expect(high.peersConnected()).toBe(1);
    expect(low.linkedPeerIds()).toEqual([2]);
    expect(high.linkedPeerIds()).toEqual([1]);
  });

  test("PeerMesh sends token holders' names on open and each new one live", async () => {
    const a = new MemoryMeshNode(1);
    const b = new MemoryMeshNode(2);
    a.noteHolder("ann");
    const [meshA, meshB] = [meshFor(a), meshFor(b)];
    await connect(meshA, meshB);
    await waitUntil(() => b.names.has("ann"), { deadlineMs: 5000, pollMs: 5, what: "ann at b" });
    b.noteHolder("bob");
    await waitUntil(() => a.names.has("bob"), { deadlineMs: 5000, pollMs: 5, what: "bob at a" });
    expect([...a.names].sort()).toEqual(["ann", "bob"]);
  });

  test("PeerMesh delivers live messages and catches up what was sent before the link", async () => {
    const a = new MemoryMeshNode(10);
    const b = new MemoryMeshNode(20);
    a.send(1500); // before any link: anti-entropy pages
    const meshA = meshFor(a);
    const meshB = meshFor(b);
    await connect(meshA, meshB);
    a.send(10); // live
    b.send(5);
    await waitUntil(() => b.tracker.mark(10) === 1510 && a.tracker.mark(20) === 5, {
      deadlineMs: 10_000,
      pollMs: 5,
    });
    expect(b.messages.size).toBe(1515);
  });

  test("PeerMesh sends packed frames to a peer whose hello reads them, objects to an older one", async () => {
    const a = new MemoryMeshNode(10);
    const b = new MemoryMeshNode(20);
    a.send(300); // before the link: sync pages
    const dialSide = new MemorySocket(); // b's side: b plays a node that never heard of packing
    dialSide.rewrite = (text) => text.replace(',"packed":1', "");
    const acceptSide = new MemorySocket();
    await connect(meshFor(b), meshFor(a), { dialSide, acceptSide });
    await waitUntil(() => b.tracker.mark(10) === 300, { deadlineMs: 10_000, pollMs: 5 });
    a.send(5);
    b.send(5);
    await waitUntil(() => b.tracker.mark(10) === 305 && a.tracker.mark(20) === 5, {
      deadlineMs: 10_000,
      pollMs: 5,
    });
    const messageFrames = (sent: string[]) =>
      sent.filter((t) => /"type":"(peerMessages|syncReply)"/.test(t));
    // a answers b (no packed in its hello or requests) in the object form only.
    expect(messageFrames(acceptSide.sent).every((t) => t.includes('"messages":['))).toBe(true);
    expect(messageFrames(acceptSide.sent).length).toBeGreaterThan(1);
    // b's live frames to a, whose hello said packed, are packed.
    const live = dialSide.sent.filter((t) => t.includes('"type":"peerMessages"'));
    expect(live.length).toBeGreaterThan(0);
    expect(live.every((t) => t.includes('"runs":['))).toBe(true);
  });
});

describe("PeerMesh repair, updates, relays and presence", () => {
  test("PeerMesh repairs a lost live frame by a sync on the gap it reveals", async () => {
    const a = new MemoryMeshNode(1);
    const b = new MemoryMeshNode(2);
    // No periodic round within the test: only the gap can trigger the sync.
    const meshA = meshFor(a, 600_000);
    const meshB = meshFor(b, 600_000);
    const [onA, onB] = await connect(meshA, meshB);
    // Both opening syncs answered: from here on only the gap can trigger one.
    await waitUntil(
      () => onA.state === "open" && !onA.antiEntropy.busy && !onB.antiEntropy.busy,
      { deadlineMs: 5000, pollMs: 5 },
    );
    a.send(3, { fanOut: false }); // committed, but its live frame never left
    a.send(2); // arrives past a gap
    await waitUntil(() => b.tracker.mark(1) === 5, { deadlineMs: 5000, pollMs: 5 });
    expect(b.tracker.heldBackCount()).toBe(0);
  });

  test("PeerMesh sync replies leave out own messages live fan-out already sent a lagging peer", async () => {
    /** Counts the origin's own messages read for sync replies. */
    class CountingNode extends MemoryMeshNode {
      served = 0;
      override readAfter(origin: number, afterSeq: number, limit: number) {
        const read = super.readAfter(origin, afterSeq, limit);
        if (origin === this.nodeId) this.served += read.length;
        return read;
      }
    }
    /** Stores each batch 50 ms late: its vector always lags the live stream. */
    class LaggingNode extends MemoryMeshNode {
      override acceptRemote(messages: Parameters<MemoryMeshNode["acceptRemote"]>[0]) {
        return new Promise<Awaited<ReturnType<MemoryMeshNode["acceptRemote"]>>>((resolve) =>
          setTimeout(() => resolve(super.acceptRemote(messages)), 50)
        );
      }
    }
    const a = new CountingNode(1);
    const b = new LaggingNode(2);
    // Rounds every second: a reply caps a's own messages at its mark of a round >= 1 s old.
    const [meshA, meshB] = [meshFor(a, 1000), meshFor(b, 1000)];
    await connect(meshA, meshB);
    const sender = setInterval(() => a.send(5), 10);
    try {
      // Past two rounds of a, a mark it may cap with exists; count from there.
      await new Promise((resolve) => setTimeout(resolve, 2300));
      const servedBefore = a.served;
      await new Promise((resolve) => setTimeout(resolve, 2000)); // two more of b's requests
      expect(a.served - servedBefore).toBe(0);
    } finally {
      clearInterval(sender);
    }
    await waitUntil(() => b.tracker.mark(1) === a.tracker.mark(1), {
      deadlineMs: 10_000,
      pollMs: 10,
      what: "b holding every message of a",
    });
  });

  test("PeerMesh replicates updates live, by their own anti-entropy, and relays typing", async () => {
    const a = new MemoryMeshNode(1);
    const b = new MemoryMeshNode(2);
    a.edit("before the link");
    const [meshA, meshB] = [meshFor(a), meshFor(b)];
    await connect(meshA, meshB);
    await waitUntil(() => b.updateTracker.mark(1) === 1, { deadlineMs: 5000, pollMs: 5 });
    a.edit("lost live frame", { fanOut: false });
    a.edit("live");
    await waitUntil(() => b.updateTracker.mark(1) === 3, { deadlineMs: 5000, pollMs: 5 });
    expect(b.updateLog.get("1:2")?.text).toBe("lost live frame");
    expect(b.tracker.mark(1)).toBe(0); // no message seq was used
    a.type(11, "ann");
    await waitUntil(() => b.typingSeen.length === 1, { deadlineMs: 5000, pollMs: 5 });
    expect(b.typingSeen[0]).toEqual({ chatId: 11, name: "ann", nodeId: 1 });
  });
});

describe("PeerMesh relays, presence and refusals", () => {
  test("PeerMesh relays: a node linked only to B gets A's messages through B", async () => {
    const a = new MemoryMeshNode(1);
    const b = new MemoryMeshNode(2);
    const c = new MemoryMeshNode(3);
    const [meshA, meshB, meshC] = [meshFor(a), meshFor(b), meshFor(c)];
    await connect(meshA, meshB);
    await connect(meshB, meshC);
    a.send(700);
    await waitUntil(() => c.tracker.mark(1) === 700, { deadlineMs: 10_000, pollMs: 5 });
    expect(meshC.linkedPeerIds()).toEqual([2]);
  });

  test("PeerMesh shares presence and drops a peer's presence when its link dies", async () => {
    const a = new MemoryMeshNode(1);
    const b = new MemoryMeshNode(2);
    const meshA = meshFor(a);
    const meshB = meshFor(b);
    const [link] = await connect(meshA, meshB);
    a.join("ann");
    await waitUntil(() => b.remotePresence.get(1)?.[0]?.name === "ann", {
      deadlineMs: 5000,
      pollMs: 5,
    });
    link.close(1001, "test");
    await waitUntil(() => !b.remotePresence.has(1) && meshB.peersConnected() === 0, {
      deadlineMs: 5000,
      pollMs: 5,
    });
  });

  test("PeerMesh refuses a dialled link whose acceptor cannot prove the secret", async () => {
    const a = new MemoryMeshNode(1);
    const meshA = meshFor(a);
    const impostorSide = new MemorySocket();
    const dialSide = new MemorySocket();
    dialSide.other = impostorSide;
    impostorSide.other = dialSide;
    let closeCode = 0;
    const link = meshA.attachDialled(dialSide, randomNonce());
    dialSide.onText = (text) => link.receive(text);
    dialSide.onClose = (code) => {
      closeCode = code;
      link.closed();
    };
    impostorSide.send(
      JSON.stringify({ type: "peerHello", payload: { nodeId: 9, acceptProof: "00" } }),
    );
    await waitUntil(() => link.state === "closed" && closeCode !== 0, {
      deadlineMs: 5000,
      pollMs: 5,
    });
    expect(closeCode).toBe(4401);
    expect(meshA.peersConnected()).toBe(0);
  });
});
