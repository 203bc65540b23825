/**
 * PeerMesh with real links over in-memory sockets and a memory chat node: the
 * tie-break keeps one link per pair, live fan-out and anti-entropy deliver
 * everything (including through a relay), a dropped live frame is repaired,
 * and a peer's presence goes away with its link.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ContiguityTracker } from "../../common/contiguity_tracker.ts";
import { encodeMessageId } from "../../common/message_id.ts";
import { createPeerAuth, randomNonce } from "../../common/peer_auth_token.ts";
import type { PeerChat, PeerPresenceMember } from "../../common/peer_protocol.ts";
import type { ChatMessage, TypingEventPayload } from "../../common/protocol.ts";
import type { ReplicatedUpdate } from "../../common/peer_update_protocol.ts";
import { encodeVector } from "../../common/version_vector.ts";
import { silentLogger } from "../../common/logger.ts";
import type { MeshNode, PeerLink } from "./peer_link.ts";
import { PeerMesh } from "./peer_mesh.ts";
import { linkMeshes, MemorySocket } from "../testing/memory_peer_link.ts";
import { NOTHING_REFUSED, type RemoteOutcome } from "../core/remote_screen.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

const SECRET = "peer-mesh-test-secret-0123456789";
const auth = createPeerAuth(SECRET);

/** A chat node in memory: contiguity like the real core, no SQLite. */
class MemoryMeshNode implements MeshNode {
  readonly nodeId: number;
  messages = new Map<string, ChatMessage>();
  tracker = new ContiguityTracker();
  remotePresence = new Map<number, PeerPresenceMember[]>();
  local: PeerPresenceMember[] = [];
  #seq = 0;
  #committed = new Set<(messages: ChatMessage[]) => void>();
  #presence = new Set<() => void>();
  updateLog = new Map<string, ReplicatedUpdate>();
  updateTracker = new ContiguityTracker();
  typingSeen: TypingEventPayload[] = [];
  #updateSeq = 0;
  #updated = new Set<(updates: ReplicatedUpdate[]) => void>();
  #typing = new Set<(event: TypingEventPayload) => void>();
  names = new Set<string>();
  #nameListeners = new Set<(names: string[]) => void>();
  readonly tokenNames = {
    list: () => [...this.names],
    acceptRemote: (names: string[]) => {
      for (const name of names) this.names.add(name);
      return Promise.resolve();
    },
    onLocalNames: (listener: (names: string[]) => void) => {
      this.#nameListeners.add(listener);
      return () => this.#nameListeners.delete(listener);
    },
  };

  constructor(nodeId: number) {
    this.nodeId = nodeId;
  }

  /** A token holder connected here. */
  noteHolder(name: string): void {
    this.names.add(name);
    for (const listener of this.#nameListeners) listener([name]);
  }

  vector() {
    return encodeVector(this.tracker.vector());
  }
  readAfter(origin: number, afterSeq: number, limit: number): ChatMessage[] {
    const out: ChatMessage[] = [];
    for (let seq = afterSeq + 1; seq <= this.tracker.mark(origin) && out.length < limit; seq++) {
      out.push(this.messages.get(encodeMessageId(origin, seq))!);
    }
    return out;
  }
  acceptRemote(messages: ChatMessage[]): Promise<RemoteOutcome> {
    for (const m of messages) {
      if (this.messages.has(m.messageId)) continue;
      this.messages.set(m.messageId, m);
      this.tracker.add(m.nodeId, m.seq);
    }
    return Promise.resolve(NOTHING_REFUSED);
  }
  chats(): PeerChat[] {
    return [];
  }
  acceptRemoteChats(): void {}
  onLocalCommitted(listener: (messages: ChatMessage[]) => void) {
    this.#committed.add(listener);
    return () => this.#committed.delete(listener);
  }
  onLocalChatCreated() {
    return () => {};
  }
  localPresence() {
    return this.local;
  }
  onLocalPresenceChanged(listener: () => void) {
    this.#presence.add(listener);
    return () => this.#presence.delete(listener);
  }
  setRemotePresence(nodeId: number, members: PeerPresenceMember[] | null) {
    if (members === null) this.remotePresence.delete(nodeId);
    else this.remotePresence.set(nodeId, members);
  }

  /** A local client's message: stored, then handed to the mesh. */
  send(count: number, options: { fanOut?: boolean } = {}): void {
    const batch: ChatMessage[] = [];
    for (let i = 0; i < count; i++) {
      const seq = ++this.#seq;
      const message: ChatMessage = {
        messageId: encodeMessageId(this.nodeId, seq),
        nodeId: this.nodeId,
        seq,
        chatId: 11,
        text: `m${seq}`,
        sender: "ann",
        dateTime: new Date(1_800_000_000_000 + seq).toISOString(),
        lc: 0,
      };
      this.messages.set(message.messageId, message);
      this.tracker.add(this.nodeId, seq);
      batch.push(message);
    }
    if (options.fanOut !== false) { for (const listener of this.#committed) listener(batch); }
  }

  readonly updates = {
    vector: () => encodeVector(this.updateTracker.vector()),
    readAfter: (origin: number, afterSeq: number, limit: number): ReplicatedUpdate[] => {
      const out: ReplicatedUpdate[] = [];
      for (let s = afterSeq + 1; s <= this.updateTracker.mark(origin) && out.length < limit; s++) {
        out.push(this.updateLog.get(`${origin}:${s}`)!);
      }
      return out;
    },
    acceptRemote: (updates: ReplicatedUpdate[]): Promise<void> => {
      for (const u of updates) {
        if (this.updateLog.has(`${u.nodeId}:${u.seq}`)) continue;
        this.updateLog.set(`${u.nodeId}:${u.seq}`, u);
        this.updateTracker.add(u.nodeId, u.seq);
      }
      return Promise.resolve();
    },
    onLocalUpdated: (listener: (updates: ReplicatedUpdate[]) => void) => {
      this.#updated.add(listener);
      return () => this.#updated.delete(listener);
    },
  };
  readonly typingRelay = {
    remote: (event: TypingEventPayload) => void this.typingSeen.push(event),
    onLocal: (listener: (event: TypingEventPayload) => void) => {
      this.#typing.add(listener);
      return () => this.#typing.delete(listener);
    },
  };

  /** A local client's edit: logged, then handed to the mesh (unless its frame is "lost"). */
  edit(text: string, options: { fanOut?: boolean } = {}): void {
    const seq = ++this.#updateSeq;
    const update: ReplicatedUpdate = {
      nodeId: this.nodeId,
      seq,
      messageId: encodeMessageId(this.nodeId, 1),
      text,
      edit: {
        dateTime: new Date(1_800_000_000_000 + seq).toISOString(),
        lc: 0,
        nodeId: this.nodeId,
      },
    };
    this.updateLog.set(`${this.nodeId}:${seq}`, update);
    this.updateTracker.add(this.nodeId, seq);
    if (options.fanOut !== false) { for (const listener of this.#updated) listener([update]); }
  }

  type(chatId: number, name: string): void {
    for (const listener of this.#typing) listener({ chatId, name, nodeId: this.nodeId });
  }

  join(name: string): void {
    this.local = [...this.local, { name, chatIds: null }];
    for (const listener of this.#presence) listener();
  }
}

const meshes: PeerMesh[] = [];

function meshFor(node: MemoryMeshNode, syncIntervalMs = 100): PeerMesh {
  const mesh = new PeerMesh({ node, auth, log: silentLogger, syncIntervalMs });
  meshes.push(mesh);
  return mesh;
}

/** Dials `acceptor` from `dialler` the way the endpoint and dialer do, over memory sockets. */
function connect(dialler: PeerMesh, acceptor: PeerMesh): Promise<[PeerLink, PeerLink]> {
  return linkMeshes(dialler, acceptor, auth);
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
