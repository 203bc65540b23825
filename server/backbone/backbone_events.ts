/**
 * Section 7 over the backbone: edits, deletes and typing. This node's committed
 * updates and its clients' typing go out live on core NATS (`events.<nodeId>`,
 * the mesh's `peerUpdates` / `peerTyping` frames); the update log's
 * anti-entropy runs over request/reply (`updsync.<nodeId>`) with the mesh's own
 * frames and generic session (UPDATE_SYNC_CHANNEL), one live peer asked per
 * round in turn, so an update whose live frame was lost (or sent while this
 * node was down) still arrives.
 *
 * Invariant: every frame received is checked for the cluster proof before it is
 * parsed; a reply is applied only through the session that asked.
 * @module
 */

import type { Msg, Subscription } from "@nats-io/transport-node";
import { encodeListFrames, encodePeerFrame, parsePeerFrame } from "../../common/peer_protocol.ts";
import { PeerUpdateFrameType, type ReplicatedUpdate } from "../../common/peer_update_protocol.ts";
import { AntiEntropySession, syncReplyFrames, UPDATE_SYNC_CHANNEL } from "../mesh/anti_entropy.ts";
import { revealsGap } from "../mesh/peer_link.ts";
import type { ReplicaNode } from "../replication/replicator.ts";
import {
  isSigned,
  type LivePeersPartOptions,
  publishSigned,
  receivedFrame,
  requestFrame,
  respondSigned,
} from "./backbone_messages.ts";

/** The update log's anti-entropy runs every sync round (syncIntervalMs). */
export interface BackboneEventsOptions extends LivePeersPartOptions {
  node: Pick<ReplicaNode, "nodeId" | "updates" | "typingRelay">;
}

const REQUEST_TIMEOUT_MS = 10_000;

export class BackboneEvents {
  #options: BackboneEventsOptions;
  #sessions = new Map<number, AntiEntropySession<ReplicatedUpdate>>();
  #subscriptions: Subscription[] = [];
  #unsubscribe: Array<() => void> = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #turn = 0;
  #closed = false;

  constructor(options: BackboneEventsOptions) {
    this.#options = options;
  }

  start(): void {
    const { nc, names, node } = this.#options;
    this.#subscriptions.push(
      nc.subscribe(names.allEvents, { callback: (_e, msg) => this.#onEvent(msg) }),
      nc.subscribe(names.updateSync(node.nodeId), { callback: (_e, msg) => this.#serve(msg) }),
    );
    this.#unsubscribe.push(
      node.updates.onLocalUpdated((updates) => {
        for (const frame of encodeListFrames(PeerUpdateFrameType.updates, "updates", updates)) {
          this.#publish(frame);
        }
      }),
      node.typingRelay.onLocal((event) =>
        this.#publish(encodePeerFrame(PeerUpdateFrameType.typing, event))
      ),
    );
    this.#timer = setInterval(() => this.#syncRound(), this.#options.syncIntervalMs ?? 3000);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const session of this.#sessions.values()) session.close();
    this.#sessions.clear();
  }

  /** Asks the next live peer (in turn) for the updates this node lacks. */
  #syncRound(peerId?: number): void {
    const peers = this.#options.livePeers();
    for (const gone of [...this.#sessions.keys()].filter((id) => !peers.includes(id))) {
      this.#sessions.get(gone)?.close();
      this.#sessions.delete(gone);
    }
    if (peers.length === 0) return;
    const target = peerId !== undefined && peers.includes(peerId)
      ? peerId
      : peers[this.#turn++ % peers.length];
    this.#session(target).request();
  }

  #session(peerId: number): AntiEntropySession<ReplicatedUpdate> {
    let session = this.#sessions.get(peerId);
    if (!session) {
      session = new AntiEntropySession({
        node: this.#options.node.updates,
        channel: UPDATE_SYNC_CHANNEL,
        send: (text) => this.#request(peerId, text),
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        onError: (error) =>
          this.#options.log.warn("backbone updates not stored", {
            peer: peerId,
            error: String(error),
          }),
      });
      this.#sessions.set(peerId, session);
    }
    return session;
  }

  #publish(payload: string): void {
    const { nc, names, node, auth } = this.#options;
    if (this.#closed) return;
    // Not taken (disconnected): updates come again through the update sync; typing is only live.
    publishSigned(nc, auth, { subject: names.events(node.nodeId), payload });
  }

  #onEvent(msg: Msg): void {
    const { names, node, auth, log } = this.#options;
    if (this.#closed) return;
    const received = receivedFrame(msg, { names, auth, selfId: node.nodeId });
    if (!received) return;
    const { origin, frame } = received;
    if (frame.type === PeerUpdateFrameType.typing) {
      node.typingRelay.remote(frame.payload);
    } else if (frame.type === PeerUpdateFrameType.updates) {
      const updates = frame.payload.updates;
      node.updates.acceptRemote(updates).then(() => {
        if (revealsGap(updates, node.updates.vector())) this.#syncRound(origin);
      }).catch((error) =>
        log.warn("backbone updates not stored", { peer: origin, error: String(error) })
      );
    }
  }

  #request(peerId: number, payload: string): void {
    const { nc, names, auth, log } = this.#options;
    const subject = names.updateSync(peerId);
    requestFrame(nc, auth, { subject, payload, timeoutMs: REQUEST_TIMEOUT_MS }).then((frame) => {
      if (frame.type !== PeerUpdateFrameType.syncReply) return;
      const { requestId, updates, more } = frame.payload;
      void this.#sessions.get(peerId)?.handleReply({ requestId, messages: updates, more });
    }).catch((error) =>
      log.debug("backbone update sync failed", { peer: peerId, error: String(error) })
    );
  }

  #serve(msg: Msg): void {
    const { node, auth } = this.#options;
    if (!isSigned(auth, msg)) return;
    const frame = parsePeerFrame(msg.string());
    if (!frame.ok || frame.value.type !== PeerUpdateFrameType.syncRequest) return;
    const [reply] = syncReplyFrames(node.updates, frame.value.payload, UPDATE_SYNC_CHANNEL);
    respondSigned(auth, msg, reply);
  }
}
