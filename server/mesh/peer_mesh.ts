/**
 * The mesh: every open peer link of this node, the tie-break that keeps one
 * link per pair, live fan-out of local commits, chat and presence announcements,
 * the periodic anti-entropy round and the keepalive that finds dead links.
 *
 * Invariants:
 * - At most one registered link per peer node id. When two exist (both sides
 *   dialled), the one dialled by the lower node id wins on both sides, so both
 *   close the same one (code 4100); a newer link dialled by the same side
 *   replaces an older one (the old one is presumed dead).
 * - A peer's presence is dropped the moment its registered link goes away.
 * - A link whose send buffer is past the limit gets no live frames (they would
 *   grow memory without bound); anti-entropy brings it what it missed.
 * @module
 */

import { OwnMarkHistory } from "./own_mark_history.ts";
import { type Clock, systemClock } from "../../common/clock.ts";
import { messageJson } from "../../common/message_json.ts";
import { CloseCode, PeerCloseCode } from "../../common/errors.ts";
import {
  encodeListFrames,
  encodePeerFrame,
  PEER_FRAME_MAX_BYTES,
  type PeerChat,
  PeerFrameType,
} from "../../common/peer_protocol.ts";
import { encodePackedFrames } from "../../common/packed_messages.ts";
import { PeerUpdateFrameType, type ReplicatedUpdate } from "../../common/peer_update_protocol.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type { PeerAuth } from "../../common/peer_auth_token.ts";
import { CatchUpBaton } from "./catch_up_baton.ts";
import type { Logger } from "../../common/logger.ts";
import { type LinkHost, type MeshNode, PeerLink, type PeerSocket } from "./peer_link.ts";

export interface PeerMeshOptions {
  node: MeshNode;
  auth: PeerAuth;
  log: Logger;
  /** @default systemClock */
  clock?: Clock;
  /** Period of the anti-entropy round. @default 3000 */
  syncIntervalMs?: number;
  /** Ping period; a link silent for deadAfterMs is closed. @default syncIntervalMs / 2, 250..5000 */
  keepaliveMs?: number;
  /** @default max(15_000, 4 * keepaliveMs): a busy peer (a 100k-message burst) is not dead */
  deadAfterMs?: number;
  /**
   * A link with more bytes queued than this skips live frames (anti-entropy fills the gap).
   * Far below the node's backpressure limit (64 MiB, 16x the client slow-reader limit), which
   * would close the link. @default 1 MiB
   */
  liveBufferLimitBytes?: number;
}

/** Resend all chats every this many rounds (a chat frame lost to backpressure comes again). */
const CHATS_EVERY_ROUNDS = 10;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const PRESENCE_DEBOUNCE_MS = 50;

export class PeerMesh implements LinkHost {
  readonly node: MeshNode;
  readonly log: Logger;
  readonly traffic = { sent: 0, received: 0 };
  readonly catchUpBaton = new CatchUpBaton();
  readonly syncIntervalMs: number;
  readonly clock: Clock;
  #auth: PeerAuth;
  #links = new Map<number, PeerLink>();
  #all = new Set<PeerLink>();
  #keepaliveMs: number;
  #deadAfterMs: number;
  #liveBufferLimitBytes: number;
  #timers: ReturnType<typeof setInterval>[] = [];
  #unsubscribe: Array<() => void> = [];
  #presenceTimer: ReturnType<typeof setTimeout> | undefined;
  #round = 0;
  /** This node's own mark at recent rounds: caps what sync pages repeat of live fan-out. */
  #ownMarks = new OwnMarkHistory();
  #closed = false;
  #linkListeners = new Set<() => void>();

  constructor(options: PeerMeshOptions) {
    this.node = options.node;
    this.log = options.log;
    this.clock = options.clock ?? systemClock;
    this.#auth = options.auth;
    this.syncIntervalMs = options.syncIntervalMs ?? 3000;
    if (!(this.syncIntervalMs >= 10)) {
      throw new RangeError("Cannot create the mesh: syncIntervalMs must be >= 10");
    }
    this.#keepaliveMs = options.keepaliveMs ??
      Math.min(5000, Math.max(250, Math.floor(this.syncIntervalMs / 2)));
    this.#deadAfterMs = options.deadAfterMs ?? Math.max(15_000, 4 * this.#keepaliveMs);
    this.#liveBufferLimitBytes = options.liveBufferLimitBytes ?? 1024 * 1024;

    this.#unsubscribe.push(
      this.node.onLocalCommitted((messages) => this.#fanOut(messages)),
      this.node.onLocalChatCreated((chat) => this.#announceChats([chat])),
      this.node.onLocalPresenceChanged(() => this.#schedulePresence()),
      this.node.updates.onLocalUpdated((updates) => this.#fanOutUpdates(updates)),
      this.node.typingRelay.onLocal((event) =>
        this.#sendLive(encodePeerFrame(PeerUpdateFrameType.typing, event))
      ),
      this.node.tokenNames.onLocalNames((names) => {
        for (const link of this.#openLinks()) link.sendNames(names);
      }),
      // Links that yielded to another's catch-up chain go again (the rest, if that link closed).
      this.catchUpBaton.onReleasedAfterContention(() =>
        queueMicrotask(() => {
          for (const link of this.#openLinks()) link.antiEntropy.request();
        })
      ),
    );
    this.#timers.push(
      setInterval(() => this.#syncRound(), this.syncIntervalMs),
      setInterval(() => this.#keepalive(), this.#keepaliveMs),
    );
  }

  /** A link accepted at `/peer` whose dial proof named peerNodeId. */
  attachAccepted(socket: PeerSocket, peerNodeId: number, acceptProof: string): PeerLink {
    const link = new PeerLink({
      host: this,
      socket,
      direction: "accepted",
      peerNodeId,
      acceptProof,
    });
    return this.#attach(link);
  }

  /** A link this node dialled, proving itself with dialNonce. */
  attachDialled(socket: PeerSocket, dialNonce: string): PeerLink {
    return this.#attach(new PeerLink({ host: this, socket, direction: "dialled", dialNonce }));
  }

  /**
   * How far a sync page to link may carry this node's own messages: the mark of a round at
   * least min(1 s, the sync interval) ago, if the link was registered by then and no live frame
   * to it was skipped since (own_mark_history.ts).
   */
  ownSyncCap(link: PeerLink): number | undefined {
    if (link.registeredAtMs === undefined) return undefined;
    const settleMs = Math.min(1000, this.syncIntervalMs);
    const since = Math.max(link.registeredAtMs, link.liveSkippedAtMs ?? -Infinity);
    return this.#ownMarks.capFor(since, this.clock.nowMs() - settleMs);
  }

  hasLink(peerNodeId: number): boolean {
    return this.#links.has(peerNodeId);
  }

  peersConnected(): number {
    return this.#links.size;
  }

  /**
   * Messages some peer is known to hold that this node lacks: over the links, the
   * largest sum of (peer mark - own mark) per origin, from the peers' last sync requests.
   */
  syncLag(): number {
    const own = this.node.vector();
    let lag = 0;
    for (const link of this.#links.values()) {
      let behind = 0;
      for (const [origin, seq] of Object.entries(link.peerVector ?? {})) {
        behind += Math.max(0, seq - (own[origin] ?? 0));
      }
      lag = Math.max(lag, behind);
    }
    return lag;
  }

  linkedPeerIds(): number[] {
    return [...this.#links.keys()].sort((a, b) => a - b);
  }

  /** Called after any link registers or goes away. */
  onLinksChanged(listener: () => void): () => void {
    this.#linkListeners.add(listener);
    return () => this.#linkListeners.delete(listener);
  }

  verifyAccept(peerNodeId: number, nonce: string, proof: unknown): Promise<boolean> {
    return this.#auth.verifyAccept(peerNodeId, nonce, proof);
  }

  register(link: PeerLink): boolean {
    const peer = link.peerNodeId!;
    if (this.#closed) {
      link.close(CloseCode.goingAway, "shutting down");
      return false;
    }
    const existing = this.#links.get(peer);
    if (existing && existing !== link) {
      const dialledBy = (l: PeerLink) => l.direction === "dialled" ? this.node.nodeId : peer;
      const keepNew = dialledBy(link) <= dialledBy(existing);
      const loser = keepNew ? existing : link;
      this.log.debug("peer duplicate link closed", { peer, kept: keepNew ? "new" : "old" });
      if (!keepNew) {
        loser.close(PeerCloseCode.duplicate, "duplicate link");
        return false;
      }
      this.#links.set(peer, link); // before closing the old one: its unregister must not drop presence
      loser.close(PeerCloseCode.duplicate, "duplicate link");
    } else {
      this.#links.set(peer, link);
      this.log.info("peer connected", { peer, direction: link.direction, peers: this.#links.size });
    }
    this.#notifyLinks();
    return true;
  }

  unregister(link: PeerLink): void {
    this.#all.delete(link);
    const peer = link.peerNodeId;
    if (peer === undefined || this.#links.get(peer) !== link) return;
    this.#links.delete(peer);
    this.node.setRemotePresence(peer, null);
    if (!this.#closed) {
      this.log.info("peer disconnected", { peer, peers: this.#links.size });
    }
    this.#notifyLinks();
  }

  /** Stops every loop and closes every link with 1001. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    clearTimeout(this.#presenceTimer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const link of [...this.#all]) link.close(CloseCode.goingAway, "node shutting down");
  }

  #attach(link: PeerLink): PeerLink {
    if (this.#closed) {
      link.close(CloseCode.goingAway, "shutting down");
      return link;
    }
    this.#all.add(link);
    link.start();
    return link;
  }

  #notifyLinks(): void {
    for (const listener of this.#linkListeners) listener();
  }

  #openLinks(): PeerLink[] {
    return [...this.#links.values()].filter((link) => link.state === "open");
  }

  /** Live fan-out: packed frames to peers that read them, the object form to the others. */
  #fanOut(messages: ChatMessage[]): void {
    const links = this.#openLinks();
    if (links.length === 0 || messages.length === 0) return;
    let packed: string[] | undefined;
    let objects: string[] | undefined;
    for (const link of links) {
      if (link.socket.bufferedAmount() > this.#liveBufferLimitBytes) {
        link.liveSkippedAtMs = this.clock.nowMs(); // sync pages to it are not capped before this
        continue;
      }
      const frames = link.peerReadsPacked
        ? packed ??= encodePackedFrames(PeerFrameType.messages, messages, {
          maxBytes: PEER_FRAME_MAX_BYTES,
        })
        : objects ??= encodeListFrames(PeerFrameType.messages, "messages", messages, {
          encodeItem: messageJson,
        });
      for (const frame of frames) link.send(frame);
    }
  }

  #fanOutUpdates(updates: ReplicatedUpdate[]): void {
    if (updates.length === 0) return;
    for (const frame of encodeListFrames(PeerUpdateFrameType.updates, "updates", updates)) {
      this.#sendLive(frame);
    }
  }

  /** A live frame to every open link that is not backed up (anti-entropy covers what is skipped). */
  #sendLive(frame: string): void {
    for (const link of this.#openLinks()) {
      if (link.socket.bufferedAmount() > this.#liveBufferLimitBytes) continue;
      link.send(frame);
    }
  }

  #announceChats(chats: PeerChat[]): void {
    for (const link of this.#openLinks()) link.sendChats(chats);
  }

  #schedulePresence(): void {
    if (this.#presenceTimer !== undefined || this.#closed) return;
    this.#presenceTimer = setTimeout(() => {
      this.#presenceTimer = undefined;
      const members = this.node.localPresence();
      for (const link of this.#openLinks()) link.sendPresence(members);
    }, PRESENCE_DEBOUNCE_MS);
  }

  #syncRound(): void {
    this.#round += 1;
    this.#ownMarks.record(
      this.clock.nowMs(),
      this.node.vector()[String(this.node.nodeId)] ?? 0,
    );
    const chats = this.#round % CHATS_EVERY_ROUNDS === 0 ? this.node.chats() : null;
    for (const link of this.#openLinks()) {
      link.antiEntropy.request();
      link.updateSync.request();
      if (chats) link.sendChats(chats);
    }
  }

  #keepalive(): void {
    const now = this.clock.nowMs();
    const ping = JSON.stringify({ type: PeerFrameType.ping, payload: {} });
    for (const link of [...this.#all]) {
      if (link.state === "handshake" && now - link.openedAtMs > HANDSHAKE_TIMEOUT_MS) {
        link.close(PeerCloseCode.refused, "handshake timeout");
      } else if (now - link.lastReceivedMs > this.#deadAfterMs) {
        this.log.warn("peer link silent, closing", {
          peer: link.peerNodeId,
          silentMs: now - link.lastReceivedMs,
        });
        link.close(PeerCloseCode.dead, "no frames");
      } else if (link.state === "open") {
        link.send(ping);
      }
    }
  }
}
