/**
 * The other nodes as the backbone sees them, over core NATS: every node
 * publishes a beat (its vector and presence revision) a few times per sync
 * interval; a node not heard for the peer timeout is gone (its presence drops).
 * Anti-entropy runs over request/reply with the mesh's own frames and sessions
 * (server/mesh/anti_entropy.ts): each round a node asks ONE peer, the one whose
 * previous beat shows the most it lacks, so the cost per round stays flat as
 * the cluster grows. Chats are pulled in pages from one peer every tenth round
 * and whenever this node starts from a fresh consumer.
 *
 * Invariant: requests only go to peers heard within the timeout; every frame
 * received is checked for the cluster proof before it is parsed; a reply is
 * applied only through the session that asked (late or foreign ones are dropped).
 * @module
 */

import { type Clock, systemClock } from "../../common/clock.ts";
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import {
  type BackboneNames,
  encodeBeat,
  parseBeat,
  parseSubject,
} from "../../common/backbone_protocol.ts";
import { parsePeerFrame, PeerFrameType } from "../../common/peer_protocol.ts";
import type { VectorWire } from "../../common/protocol.ts";
import { AntiEntropySession, syncReplyFrames } from "../mesh/anti_entropy.ts";
import { CatchUpBaton } from "../mesh/catch_up_baton.ts";
import type { Logger } from "../../common/logger.ts";
import type { ReplicaNode } from "../replication/replicator.ts";
import type { BackboneAuth } from "./backbone_auth.ts";
import { isSigned, publishSigned, requestFrame, respondSigned } from "./backbone_messages.ts";
import { chatPageReply, pullChats } from "./backbone_chat_pages.ts";
import type { BackbonePresence } from "./backbone_presence.ts";

export interface BackbonePeersOptions {
  node: ReplicaNode;
  nc: NatsConnection;
  names: BackboneNames;
  auth: BackboneAuth;
  presence: BackbonePresence;
  log: Logger;
  /** Anti-entropy period. @default 3000 */
  syncIntervalMs?: number;
  /** A peer not heard this long is gone. @default 15_000 */
  peerTimeoutMs?: number;
  /** @default systemClock */
  clock?: Clock;
}

interface BackbonePeer {
  nodeId: number;
  lastHeardMs: number;
  vector: VectorWire;
  /** The vector of the beat before: what it held at least one beat ago. */
  previousVector: VectorWire;
  session: AntiEntropySession;
}

const CHATS_EVERY_ROUNDS = 10;
const REQUEST_TIMEOUT_MS = 10_000;

export class BackbonePeers {
  readonly catchUpBaton = new CatchUpBaton();
  #options: BackbonePeersOptions;
  #peers = new Map<number, BackbonePeer>();
  #subscriptions: Subscription[] = [];
  #timers: ReturnType<typeof setInterval>[] = [];
  #round = 0;
  #chatTurn = 0;
  #closed = false;
  #syncIntervalMs: number;
  #peerTimeoutMs: number;

  constructor(options: BackbonePeersOptions) {
    this.#options = options;
    this.#syncIntervalMs = options.syncIntervalMs ?? 3000;
    this.#peerTimeoutMs = options.peerTimeoutMs ?? 15_000;
  }

  start(): void {
    const { nc, names, node, auth } = this.#options;
    const beatMs = Math.min(5000, Math.max(250, Math.floor(this.#syncIntervalMs / 2)));
    this.#subscriptions.push(
      nc.subscribe(names.allBeats, { callback: (_e, msg) => this.#onBeat(msg) }),
      nc.subscribe(names.sync(node.nodeId), { callback: (_e, msg) => this.#serveSync(msg) }),
      nc.subscribe(names.chatPages(node.nodeId), {
        callback: (_e, msg) => {
          if (isSigned(auth, msg)) respondSigned(auth, msg, chatPageReply(node, msg.string()));
        },
      }),
    );
    this.#timers.push(
      setInterval(() => this.#beat(false), beatMs),
      setInterval(() => this.#syncRound(), this.#syncIntervalMs),
    );
    this.catchUpBaton.onReleasedAfterContention(() => queueMicrotask(() => this.requestSync()));
    this.#beat(false);
  }

  peersConnected(): number {
    return this.#peers.size;
  }

  /** The node ids of the peers heard within the timeout. */
  livePeerIds(): number[] {
    return [...this.#peers.keys()];
  }

  /** The most messages one live peer holds that this node lacks (its last beat). */
  syncLag(): number {
    let lag = 0;
    for (const peer of this.#peers.values()) {
      lag = Math.max(lag, lacking(this.#options.node.vector(), peer.vector));
    }
    return lag;
  }

  /** Asks the peer that holds the most this node lacks (or, failing that, `hint` or anyone). */
  requestSync(hint: number[] = [], useLatest = true): void {
    const own = this.#options.node.vector();
    let best: BackbonePeer | undefined;
    let bestLack = 0;
    for (const peer of this.#peers.values()) {
      const lack = lacking(own, useLatest ? peer.vector : peer.previousVector);
      if (lack > bestLack) [best, bestLack] = [peer, lack];
    }
    best ??= hint.map((id) => this.#peers.get(id)).find((peer) => peer !== undefined);
    if (!best && hint.length > 0) best = [...this.#peers.values()][0];
    best?.session.request();
  }

  /** Pulls every chat from one live peer (round robin). */
  requestChats(): void {
    const peers = [...this.#peers.keys()];
    if (peers.length === 0) return;
    const peerId = peers[this.#chatTurn++ % peers.length];
    const { nc, names, auth, node, log } = this.#options;
    void pullChats({
      nc,
      auth,
      subject: names.chatPages(peerId),
      node,
      timeoutMs: REQUEST_TIMEOUT_MS,
    })
      .catch((error) =>
        log.debug("backbone chats not pulled", { peer: peerId, error: String(error) })
      );
  }

  /** Says goodbye (peers drop this node's presence at once) and stops every loop. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#beat(true);
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    for (const peer of this.#peers.values()) peer.session.close();
    this.#peers.clear();
    await this.#options.nc.flush().catch(() => {});
  }

  #beat(leaving: boolean): void {
    const { nc, names, node, auth, presence } = this.#options;
    if (this.#closed) return;
    const payload = encodeBeat({
      nodeId: node.nodeId,
      vector: node.vector(),
      presenceRev: presence.rev,
      leaving,
    });
    // Not taken (disconnected): the next beat goes out after the reconnect.
    publishSigned(nc, auth, { subject: names.beat(node.nodeId), payload });
  }

  #onBeat(msg: Msg): void {
    const { names, node, auth, presence, log } = this.#options;
    const origin = parseSubject(names, msg.subject);
    if (!origin || origin.nodeId === node.nodeId || this.#closed) return;
    if (!isSigned(auth, msg)) return;
    const beat = parseBeat(msg.string());
    if (!beat.ok || beat.value.nodeId !== origin.nodeId) return;
    const { nodeId, vector, leaving } = beat.value;
    let peer = this.#peers.get(nodeId);
    if (leaving) {
      if (peer) this.#forget(peer, "left");
      return;
    }
    if (!peer) {
      peer = this.#addPeer(nodeId, vector);
      log.info("backbone peer joined", { peer: nodeId, peers: this.#peers.size });
    }
    peer.lastHeardMs = (this.#options.clock ?? systemClock).nowMs();
    peer.previousVector = peer.vector;
    peer.vector = vector;
    presence.noteBeat(nodeId, beat.value.presenceRev);
  }

  #addPeer(nodeId: number, vector: VectorWire): BackbonePeer {
    const { node, log } = this.#options;
    const peer: BackbonePeer = {
      nodeId,
      lastHeardMs: (this.#options.clock ?? systemClock).nowMs(),
      vector,
      previousVector: {},
      session: new AntiEntropySession({
        node,
        send: (text) => this.#sendSyncRequest(nodeId, text),
        baton: this.catchUpBaton,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        onCaughtUp: (messageCount, pages) =>
          log.info("backbone sync caught up", { peer: nodeId, messageCount, pages }),
        onError: (error) =>
          log.warn("backbone sync page not stored", { peer: nodeId, error: String(error) }),
      }),
    };
    this.#peers.set(nodeId, peer);
    return peer;
  }

  #forget(peer: BackbonePeer, why: "left" | "silent"): void {
    peer.session.close();
    this.#peers.delete(peer.nodeId);
    this.#options.presence.drop(peer.nodeId);
    this.#options.log.info("backbone peer gone", {
      peer: peer.nodeId,
      why,
      peers: this.#peers.size,
    });
  }

  #syncRound(): void {
    const now = (this.#options.clock ?? systemClock).nowMs();
    for (const peer of [...this.#peers.values()]) {
      if (now - peer.lastHeardMs > this.#peerTimeoutMs) this.#forget(peer, "silent");
    }
    this.#round += 1;
    // The previous beat's vector: what a peer held at least a beat ago, so messages still
    // on their way through the stream do not start a sync.
    this.requestSync([], false);
    if (this.#round % CHATS_EVERY_ROUNDS === 0) this.requestChats();
  }

  #sendSyncRequest(peerId: number, payload: string): void {
    const { nc, names, auth, log } = this.#options;
    const subject = names.sync(peerId);
    requestFrame(nc, auth, { subject, payload, timeoutMs: REQUEST_TIMEOUT_MS })
      .then((frame) => {
        if (frame.type !== PeerFrameType.syncReply) return;
        void this.#peers.get(peerId)?.session.handleReply(frame.payload);
      })
      .catch((error) =>
        log.debug("backbone sync request failed", { peer: peerId, error: String(error) })
      );
  }

  #serveSync(msg: Msg): void {
    const { node, auth } = this.#options;
    if (!isSigned(auth, msg)) return;
    const frame = parsePeerFrame(msg.string());
    if (!frame.ok || frame.value.type !== PeerFrameType.syncRequest) return;
    const [reply] = syncReplyFrames(node, frame.value.payload);
    respondSigned(auth, msg, reply);
  }
}

/** Messages `remote` holds beyond `own`, summed over origins. */
export function lacking(own: VectorWire, remote: VectorWire): number {
  let total = 0;
  for (const [origin, seq] of Object.entries(remote)) {
    total += Math.max(0, seq - (own[origin] ?? 0));
  }
  return total;
}
