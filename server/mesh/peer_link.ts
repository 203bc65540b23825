/**
 * One peer link: a WebSocket to another node, either dialled by this node or
 * accepted from the other, and everything that travels on it once both sides
 * said `peerHello`: live messages, anti-entropy, chats, presence, pings.
 *
 * Invariant: nothing but `peerHello` is processed before the link is
 * registered with the mesh (the dialler first checks the acceptor's proof that
 * it holds the cluster secret); after close, no frame is sent or processed;
 * messages the node refuses from this peer are logged as one line per period
 * (refusal_tally.ts), never one per message.
 * @module
 */

import { StorageRefusedError } from "../core/storage_guard.ts";
import {
  encodeListFrames,
  encodePeerFrame,
  PACKED_FORM,
  parsePeerFrame,
  type PeerChat,
  type PeerFrame,
  PeerFrameType,
  type PeerPresenceMember,
  SYNC_PAGE_BYTES,
} from "../../common/peer_protocol.ts";
import type { ChatMessage, VectorWire } from "../../common/protocol.ts";
import type { ReplicaNode } from "../replication/replicator.ts";
import { PeerUpdateFrameType, type ReplicatedUpdate } from "../../common/peer_update_protocol.ts";
import { AntiEntropySession, UPDATE_SYNC_CHANNEL } from "./anti_entropy.ts";
import type { CatchUpBaton } from "./catch_up_baton.ts";
import type { Clock } from "../../common/clock.ts";
import { CloseCode, PeerCloseCode } from "../../common/errors.ts";
import type { Logger } from "../../common/logger.ts";
import type { RemoteOutcome } from "../core/remote_screen.ts";
import { RefusalTally } from "./refusal_tally.ts";

/** The narrowest socket a link needs; both the Bun server socket and the client WebSocket fit. */
export interface PeerSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Bytes queued and not yet written to the network. */
  bufferedAmount(): number;
}

export type LinkDirection = "dialled" | "accepted";

/** The chat node as the mesh sees it: the replication seam (server/replication/replicator.ts). */
export type MeshNode = ReplicaNode;

/** What a link needs from the mesh that owns it. */
export interface LinkHost {
  readonly node: MeshNode;
  readonly log: Logger;
  /** The time every link of this mesh reads. */
  readonly clock: Clock;
  /** Checks the acceptor's hello proof (dialled links only). */
  verifyAccept(peerNodeId: number, nonce: string, proof: unknown): Promise<boolean>;
  /** Tie-break and bookkeeping; false when this link lost and must close. */
  register(link: PeerLink): boolean;
  /** The link closed (registered or not). */
  unregister(link: PeerLink): void;
  /** Frame characters sent and received over every link (the perf model reads them). */
  readonly traffic?: { sent: number; received: number };
  /** One catch-up chain at a time across this node's links. */
  readonly catchUpBaton?: CatchUpBaton;
  /** How far a sync page to link may carry this node's own messages (peer_mesh.ts). */
  ownSyncCap?(link: PeerLink): number | undefined;
}

export interface PeerLinkOptions {
  host: LinkHost;
  socket: PeerSocket;
  direction: LinkDirection;
  /** Known up front for accepted links (from the verified dial proof). */
  peerNodeId?: number;
  /** Dialled links: the nonce of our dial proof, which the acceptor's hello must sign. */
  dialNonce?: string;
  /** Accepted links: our answer to the dialler's nonce, sent in our hello. */
  acceptProof?: string;
}

export class PeerLink {
  readonly direction: LinkDirection;
  readonly socket: PeerSocket;
  peerNodeId: number | undefined;
  state: "handshake" | "open" | "closed" = "handshake";
  lastReceivedMs: number;
  readonly openedAtMs: number;
  /** Set once the mesh accepted this link as THE link to its peer. */
  registeredAtMs: number | undefined;
  /** When live fan-out last skipped this link (its buffer full): sync makes up for it. */
  liveSkippedAtMs: number | undefined;
  /** The peer's contiguous marks as of its last sync request (for the sync-lag gauge). */
  peerVector: VectorWire | undefined;
  /** The peer's hello said it reads packed messages: live frames to it are packed. */
  peerReadsPacked = false;
  readonly antiEntropy: AntiEntropySession;
  /** Anti-entropy of the update log (edits, deletes): small, so no catch-up baton. */
  readonly updateSync: AntiEntropySession<ReplicatedUpdate>;
  #host: LinkHost;
  #options: PeerLinkOptions;
  #pending: string[] = [];
  #verifying = false;
  #presence: PeerPresenceMember[] = [];
  /** Refused frames and refused messages, each logged once per period (refusal_tally.ts). */
  #frameRefusals: RefusalTally;
  #refusals: RefusalTally;

  constructor(options: PeerLinkOptions) {
    this.#options = options;
    this.#host = options.host;
    this.direction = options.direction;
    this.socket = options.socket;
    this.peerNodeId = options.peerNodeId;
    this.openedAtMs = this.lastReceivedMs = options.host.clock.nowMs();
    this.#frameRefusals = new RefusalTally({
      log: options.host.log,
      event: "peer frames refused",
      fields: () => ({ peer: this.peerNodeId }),
      clock: options.host.clock,
    });
    this.#refusals = new RefusalTally({
      log: options.host.log,
      event: "peer messages refused",
      fields: () => ({ peer: this.peerNodeId }),
      clock: options.host.clock,
    });
    this.antiEntropy = new AntiEntropySession({
      node: options.host.node,
      clock: options.host.clock,
      send: (text) => this.send(text),
      baton: options.host.catchUpBaton,
      packedPageBytes: SYNC_PAGE_BYTES,
      ownCap: () => {
        const seq = this.#host.ownSyncCap?.(this);
        return seq === undefined ? undefined : { origin: this.#host.node.nodeId, seq };
      },
      onCaughtUp: (messageCount, pages) =>
        this.#host.log.info("peer sync caught up", { peer: this.peerNodeId, messageCount, pages }),
      onError: (error) => this.#notStored("peer sync page not stored", error),
      onRefused: (outcome) => this.#tallyRefused(outcome),
    });
    this.updateSync = new AntiEntropySession({
      node: options.host.node.updates,
      channel: UPDATE_SYNC_CHANNEL,
      send: (text) => this.send(text),
      onError: (error) =>
        this.#host.log.warn("peer updates not stored", {
          peer: this.peerNodeId,
          error: String(error),
        }),
    });
  }

  /** Sends our hello; an accepted link registers at once (the dialler is already verified). */
  start(): void {
    const hello: Record<string, unknown> = { nodeId: this.#host.node.nodeId, packed: PACKED_FORM };
    if (this.#options.acceptProof) hello.acceptProof = this.#options.acceptProof;
    this.send(encodePeerFrame(PeerFrameType.hello, hello));
    if (this.direction === "accepted") this.#becomeOpen();
  }

  /** One text frame from the socket. */
  receive(text: string): void {
    if (this.state === "closed") return;
    this.lastReceivedMs = this.#host.clock.nowMs();
    if (this.#host.traffic) this.#host.traffic.received += text.length;
    if (this.state === "handshake") {
      if (this.direction === "dialled" && !this.#verifying) this.#verifyHello(text);
      else this.#pending.push(text);
      return;
    }
    const parsed = parsePeerFrame(text);
    if (!parsed.ok) return this.#refused(parsed.error.message);
    this.#dispatch(parsed.value);
  }

  /** Sends unless closed; a failing socket closes the link. */
  send(text: string): void {
    if (this.state === "closed") return;
    try {
      this.socket.send(text);
      if (this.#host.traffic) this.#host.traffic.sent += text.length;
    } catch (error) {
      this.#host.log.warn("peer send failed", { peer: this.peerNodeId, error: String(error) });
      this.close(CloseCode.internalError, "send failed");
    }
  }

  /** Closes the socket and forgets the link. Idempotent. */
  close(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.closed();
    try {
      this.socket.close(code, reason);
    } catch {
      // already closing
    }
  }

  /** The socket closed (from the socket's close event). Idempotent. */
  closed(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.#frameRefusals.flush();
    this.#refusals.flush();
    this.antiEntropy.close();
    this.updateSync.close();
    this.#pending = [];
    this.#host.unregister(this);
  }

  /**
   * A refused frame: counted into one log line per period, so that a peer sending garbage
   * (a bug, an old version) cannot flood the log with a line each.
   */
  #refused(reason: string): void {
    this.#frameRefusals.add("count", { lastReason: reason });
  }

  /** Sends this node's whole presence list. */
  sendPresence(members: PeerPresenceMember[]): void {
    const frames = encodeListFrames(PeerFrameType.presence, "members", members, {
      extra: (isLast) => ({ done: isLast }),
    });
    for (const frame of frames) this.send(frame);
  }

  /** Sends token holders' names (all of them on open, new ones live). */
  sendNames(names: string[]): void {
    if (names.length === 0) return;
    for (const frame of encodeListFrames(PeerFrameType.names, "names", names)) this.send(frame);
  }

  /** Sends chats (all of them on open, new ones live). */
  sendChats(chats: PeerChat[]): void {
    if (chats.length === 0) return;
    for (const frame of encodeListFrames(PeerFrameType.chats, "chats", chats)) this.send(frame);
  }

  async #verifyHello(text: string): Promise<void> {
    this.#verifying = true;
    const parsed = parsePeerFrame(text);
    const hello = parsed.ok && parsed.value.type === PeerFrameType.hello
      ? parsed.value.payload
      : null;
    if (!hello) {
      this.close(PeerCloseCode.refused, "expected peerHello");
      return;
    }
    const verified = await this.#host.verifyAccept(
      hello.nodeId,
      this.#options.dialNonce ?? "",
      hello.acceptProof,
    );
    if (this.state === "closed") return;
    if (!verified) {
      this.#host.log.warn("peer refused: wrong accept proof", { peer: hello.nodeId });
      this.close(PeerCloseCode.refused, "wrong accept proof");
      return;
    }
    this.peerNodeId = hello.nodeId;
    this.peerReadsPacked = hello.packed === PACKED_FORM;
    if (hello.nodeId === this.#host.node.nodeId) {
      this.close(PeerCloseCode.self, "self");
      return;
    }
    this.#becomeOpen();
  }

  #becomeOpen(): void {
    if (!this.#host.register(this)) return;
    this.state = "open";
    this.registeredAtMs = this.#host.clock.nowMs();
    this.sendPresence(this.#host.node.localPresence());
    this.sendChats(this.#host.node.chats());
    this.sendNames(this.#host.node.tokenNames.list());
    this.antiEntropy.request();
    this.updateSync.request();
    const pending = this.#pending;
    this.#pending = [];
    for (const text of pending) this.receive(text);
  }

  #dispatch(frame: PeerFrame): void {
    const peer = this.peerNodeId!;
    const node = this.#host.node;
    switch (frame.type) {
      case PeerFrameType.hello:
        if (frame.payload.nodeId !== peer) this.close(PeerCloseCode.refused, "hello id mismatch");
        this.peerReadsPacked = frame.payload.packed === PACKED_FORM;
        return;
      case PeerFrameType.messages:
        this.#acceptLive(frame.payload.messages);
        return;
      case PeerFrameType.syncRequest:
        this.peerVector = frame.payload.vector;
        this.antiEntropy.handleRequest(frame.payload);
        return;
      case PeerFrameType.syncReply:
        void this.antiEntropy.handleReplyPart(frame.payload);
        return;
      case PeerFrameType.chats:
        Promise.resolve(node.acceptRemoteChats(frame.payload.chats)).catch((error) =>
          this.#notStored("peer chats not stored", error)
        );
        return;
      case PeerFrameType.presence:
        this.#presence.push(...frame.payload.members);
        if (frame.payload.done) {
          node.setRemotePresence(peer, this.#presence);
          this.#presence = [];
        }
        return;
      case PeerFrameType.names:
        node.tokenNames.acceptRemote(frame.payload.names).catch((error) =>
          this.#host.log.warn("peer names not stored", { peer, error: String(error) })
        );
        return;
      case PeerFrameType.ping:
        return;
      case PeerUpdateFrameType.updates:
        this.#acceptLiveUpdates(frame.payload.updates);
        return;
      case PeerUpdateFrameType.syncRequest:
        this.updateSync.handleRequest(frame.payload);
        return;
      case PeerUpdateFrameType.syncReply: {
        const { requestId, updates, more } = frame.payload;
        void this.updateSync.handleReply({ requestId, messages: updates, more });
        return;
      }
      case PeerUpdateFrameType.typing:
        node.typingRelay.remote(frame.payload);
        return;
    }
  }

  /** Stores live updates; a gap they reveal in the update log triggers its sync right away. */
  #acceptLiveUpdates(updates: ReplicatedUpdate[]): void {
    const node = this.#host.node;
    node.updates.acceptRemote(updates).then(() => {
      if (this.state !== "open") return;
      if (revealsGap(updates, node.updates.vector())) this.updateSync.request();
    }).catch((error) => {
      this.#host.log.warn("peer updates not stored", {
        peer: this.peerNodeId,
        error: String(error),
      });
    });
  }

  /**
   * Stores live messages; a gap they reveal triggers a sync right away, unless it is one
   * the node made itself by refusing a message (then deferred, or not this peer's to fill).
   */
  #acceptLive(messages: ChatMessage[]): void {
    const node = this.#host.node;
    node.acceptRemote(messages).then((outcome) => {
      this.antiEntropy.noteRefused(outcome);
      if (this.state !== "open") return;
      const refused = outcome.refused.length === 0
        ? undefined
        : new Set(outcome.refused.map((refusal) => refusal.nodeId));
      const wanted = (origin: number) =>
        !refused?.has(origin) && !this.antiEntropy.isDeferred(origin);
      if (revealsGap(messages, node.vector(), wanted)) this.antiEntropy.request();
    }).catch((error) => this.#notStored("peer messages not stored", error));
  }

  /** Refusals of this peer's messages, into the link's log tally. */
  #tallyRefused(outcome: RemoteOutcome): void {
    for (const refusal of outcome.refused) {
      this.#refusals.add(refusal.reason, {
        lastOrigin: refusal.nodeId,
        lastSeq: refusal.seq,
        lastWaitMs: refusal.waitMs === undefined ? undefined : Math.round(refusal.waitMs),
      });
    }
  }

  /**
   * What a peer sent could not be stored (anti-entropy brings it again). While the node
   * refuses writes (full disk) it said so once itself: one debug line here, not a warning
   * per batch.
   */
  #notStored(event: string, error: unknown): void {
    const fields = { peer: this.peerNodeId, error: String(error) };
    if (error instanceof StorageRefusedError) this.#host.log.debug(event, fields);
    else this.#host.log.warn(event, fields);
  }
}

/**
 * True when some message lies past its origin's contiguous mark (something before it is
 * missing), among the origins `wanted` (all by default).
 */
export function revealsGap(
  messages: Array<{ nodeId: number; seq: number }>,
  vector: VectorWire,
  wanted: (origin: number) => boolean = () => true,
): boolean {
  return messages.some((m) => m.seq > (vector[String(m.nodeId)] ?? 0) && wanted(m.nodeId));
}
