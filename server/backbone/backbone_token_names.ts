/**
 * Token holders' names (PROTOCOL.md section 6, for `--auth optional`) between
 * backbone nodes: the mesh's `peerNames` frames over core NATS. Live: the names
 * first seen on a node go out on `names.<nodeId>`, and every node subscribes to
 * `names.*`. Catch-up: the names are a grow-only set, so no log is needed: a
 * node pulls one live peer's whole list in pages (`namepages.<nodeId>`,
 * request/reply) as soon as it hears a peer, then every tenth sync round, one
 * peer in turn. So a name whose live frame was lost, or that first appeared
 * while this node was down, still arrives.
 *
 * Invariant: every frame and reply is checked for the cluster proof before it is
 * parsed; a pull ends on an empty page, and after at most MAX_PAGES pages
 * whatever the peer says.
 * @module
 */

import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { type BackboneNames, parseSubject } from "../../common/backbone_protocol.ts";
import type { Logger } from "../../common/logger.ts";
import { encodeListFrames, parsePeerFrame, PeerFrameType } from "../../common/peer_protocol.ts";
import type { ReplicaNode } from "../replication/replicator.ts";
import {
  BACKBONE_AUTH_HEADER,
  type BackboneAuth,
  replySubject,
  signedHeaders,
} from "./backbone_auth.ts";

export interface BackboneTokenNamesOptions {
  node: Pick<ReplicaNode, "nodeId" | "tokenNames">;
  nc: NatsConnection;
  names: BackboneNames;
  auth: BackboneAuth;
  log: Logger;
  /** The peers heard lately (BackbonePeers). */
  livePeers: () => number[];
  /** The sync round's period: a whole list is pulled every tenth round. @default 3000 */
  syncIntervalMs?: number;
}

const PULL_EVERY_ROUNDS = 10;
const MAX_PAGES = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** The reply to a page request `{"after": name | null}`: the names after it (undefined: bad). */
export function tokenNamePageReply(
  node: Pick<ReplicaNode, "tokenNames">,
  requestText: string,
): string | undefined {
  let after: unknown;
  try {
    after = (JSON.parse(requestText) as { after?: unknown })?.after;
  } catch {
    return undefined;
  }
  if (after !== null && typeof after !== "string") return undefined;
  const names = node.tokenNames.list().filter((name) => after === null || name > after).sort();
  const [first] = encodeListFrames(PeerFrameType.names, "names", names);
  return first;
}

export class BackboneTokenNames {
  #options: BackboneTokenNamesOptions;
  #subscriptions: Subscription[] = [];
  #unsubscribe: Array<() => void> = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #round = 0;
  #turn = 0;
  /** True once a whole list was pulled since start (until then, every round tries). */
  #pulled = false;
  #pulling = false;
  #closed = false;

  constructor(options: BackboneTokenNamesOptions) {
    this.#options = options;
  }

  start(): void {
    const { nc, names, node } = this.#options;
    this.#subscriptions.push(
      nc.subscribe(names.allTokenNames, { callback: (_e, msg) => this.#onNames(msg) }),
      nc.subscribe(names.tokenNamePages(node.nodeId), { callback: (_e, msg) => this.#serve(msg) }),
    );
    this.#unsubscribe.push(node.tokenNames.onLocalNames((added) => this.#publish(added)));
    this.#timer = setInterval(() => this.#pullRound(), this.#options.syncIntervalMs ?? 3000);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  #publish(added: string[]): void {
    const { nc, names, node, auth } = this.#options;
    if (this.#closed || nc.isClosed()) return;
    const subject = names.tokenNames(node.nodeId);
    for (const frame of encodeListFrames(PeerFrameType.names, "names", added)) {
      try {
        nc.publish(subject, frame, { headers: signedHeaders(auth, subject, frame) });
      } catch {
        // disconnected: the peers' next pull brings the name
      }
    }
  }

  #onNames(msg: Msg): void {
    const { names, node, auth, log } = this.#options;
    const origin = parseSubject(names, msg.subject);
    if (!origin || origin.nodeId === node.nodeId || this.#closed) return;
    if (!auth.verify(msg.subject, msg.data, msg.headers?.get(BACKBONE_AUTH_HEADER), true)) return;
    const frame = parsePeerFrame(msg.string());
    if (!frame.ok || frame.value.type !== PeerFrameType.names) return;
    node.tokenNames.acceptRemote(frame.value.payload.names).catch((error) =>
      log.warn("backbone names not stored", { peer: origin.nodeId, error: String(error) })
    );
  }

  #serve(msg: Msg): void {
    const { node, auth } = this.#options;
    if (!auth.verify(msg.subject, msg.data, msg.headers?.get(BACKBONE_AUTH_HEADER), true)) return;
    const reply = tokenNamePageReply(node, msg.string());
    if (reply === undefined || !msg.reply) return;
    msg.respond(reply, { headers: signedHeaders(auth, replySubject(msg.subject), reply) });
  }

  /** Until a first pull succeeded every round, then every tenth: one live peer, in turn. */
  #pullRound(): void {
    this.#round += 1;
    const peers = this.#options.livePeers();
    if (this.#pulling || peers.length === 0) return;
    if (this.#pulled && this.#round % PULL_EVERY_ROUNDS !== 0) return;
    const peerId = peers[this.#turn++ % peers.length];
    this.#pulling = true;
    this.#pull(peerId).then(() => {
      this.#pulled = true;
    }, (error) => {
      this.#options.log.debug("backbone names not pulled", { peer: peerId, error: String(error) });
    }).finally(() => {
      this.#pulling = false;
    });
  }

  /** Pulls every name a peer knows, page by page, into the core. */
  async #pull(peerId: number): Promise<void> {
    const { nc, names, auth, node } = this.#options;
    const subject = names.tokenNamePages(peerId);
    let after: string | null = null;
    for (let page = 0; page < MAX_PAGES && !this.#closed; page++) {
      const request = JSON.stringify({ after });
      const reply = await nc.request(subject, request, {
        timeout: REQUEST_TIMEOUT_MS,
        headers: signedHeaders(auth, subject, request),
      });
      const proof = reply.headers?.get(BACKBONE_AUTH_HEADER);
      if (!auth.verify(replySubject(subject), reply.data, proof, true)) {
        throw new Error("Cannot pull names: the reply has no valid cluster proof");
      }
      const frame = parsePeerFrame(reply.string());
      if (!frame.ok || frame.value.type !== PeerFrameType.names) {
        throw new Error("Cannot pull names: the reply is not a names page");
      }
      const received = frame.value.payload.names.filter((name) => after === null || name > after);
      if (received.length === 0) return;
      await node.tokenNames.acceptRemote(received);
      after = received.reduce((last, name) => (name > last ? name : last));
    }
  }
}
