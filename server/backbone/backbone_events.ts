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

import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { type BackboneNames, parseSubject } from "../../common/backbone_protocol.ts";
import { encodeListFrames, encodePeerFrame, parsePeerFrame } from "../../common/peer_protocol.ts";
import { PeerUpdateFrameType, type ReplicatedUpdate } from "../../common/peer_update_protocol.ts";
import { AntiEntropySession, syncReplyFrames, UPDATE_SYNC_CHANNEL } from "../mesh/anti_entropy.ts";
import { revealsGap } from "../mesh/peer_link.ts";
import type { Logger } from "../../common/logger.ts";
import type { ReplicaNode } from "../replication/replicator.ts";
import {
  BACKBONE_AUTH_HEADER,
  type BackboneAuth,
  replySubject,
  signedHeaders,
} from "./backbone_auth.ts";

export interface BackboneEventsOptions {
  node: Pick<ReplicaNode, "nodeId" | "updates" | "typingRelay">;
  nc: NatsConnection;
  names: BackboneNames;
  auth: BackboneAuth;
  log: Logger;
  /** The peers heard lately (BackbonePeers). */
  livePeers: () => number[];
  /** Anti-entropy period. @default 3000 */
  syncIntervalMs?: number;
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

  #publish(frame: string): void {
    const { nc, names, node, auth } = this.#options;
    if (this.#closed || nc.isClosed()) return;
    const subject = names.events(node.nodeId);
    try {
      nc.publish(subject, frame, { headers: signedHeaders(auth, subject, frame) });
    } catch {
      // disconnected: updates come again through the update sync; typing is only live
    }
  }

  #onEvent(msg: Msg): void {
    const { names, node, auth, log } = this.#options;
    const origin = parseSubject(names, msg.subject);
    if (!origin || origin.nodeId === node.nodeId || this.#closed) return;
    if (!auth.verify(msg.subject, msg.data, msg.headers?.get(BACKBONE_AUTH_HEADER), true)) return;
    const frame = parsePeerFrame(msg.string());
    if (!frame.ok) return;
    if (frame.value.type === PeerUpdateFrameType.typing) {
      node.typingRelay.remote(frame.value.payload);
    } else if (frame.value.type === PeerUpdateFrameType.updates) {
      const updates = frame.value.payload.updates;
      node.updates.acceptRemote(updates).then(() => {
        if (revealsGap(updates, node.updates.vector())) this.#syncRound(origin.nodeId);
      }).catch((error) =>
        log.warn("backbone updates not stored", { peer: origin.nodeId, error: String(error) })
      );
    }
  }

  #request(peerId: number, text: string): void {
    const { nc, names, auth, log } = this.#options;
    const subject = names.updateSync(peerId);
    nc.request(subject, text, {
      timeout: REQUEST_TIMEOUT_MS,
      headers: signedHeaders(auth, subject, text),
    }).then((reply) => {
      const proof = reply.headers?.get(BACKBONE_AUTH_HEADER);
      if (!auth.verify(replySubject(subject), reply.data, proof, true)) return;
      const frame = parsePeerFrame(reply.string());
      if (!frame.ok || frame.value.type !== PeerUpdateFrameType.syncReply) return;
      const { requestId, updates, more } = frame.value.payload;
      void this.#sessions.get(peerId)?.handleReply({ requestId, messages: updates, more });
    }).catch((error) =>
      log.debug("backbone update sync failed", { peer: peerId, error: String(error) })
    );
  }

  #serve(msg: Msg): void {
    const { node, auth } = this.#options;
    if (!auth.verify(msg.subject, msg.data, msg.headers?.get(BACKBONE_AUTH_HEADER), true)) return;
    const frame = parsePeerFrame(msg.string());
    if (!frame.ok || frame.value.type !== PeerUpdateFrameType.syncRequest || !msg.reply) return;
    const [reply] = syncReplyFrames(node.updates, frame.value.payload, UPDATE_SYNC_CHANNEL);
    if (reply === undefined) return;
    msg.respond(reply, { headers: signedHeaders(auth, replySubject(msg.subject), reply) });
  }
}
