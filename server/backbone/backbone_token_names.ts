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

import type { Msg, Subscription } from "@nats-io/transport-node";
import { encodeListFrames, PeerFrameType } from "../../common/peer_protocol.ts";
import type { ReplicaNode } from "../replication/replicator.ts";
import {
  isSigned,
  type LivePeersPartOptions,
  publishSigned,
  receivedFrame,
  requestFrame,
  respondSigned,
} from "./backbone_messages.ts";

/** A whole list is pulled every tenth sync round (syncIntervalMs). */
export interface BackboneTokenNamesOptions extends LivePeersPartOptions {
  node: Pick<ReplicaNode, "nodeId" | "tokenNames">;
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
    if (this.#closed) return;
    const subject = names.tokenNames(node.nodeId);
    for (const payload of encodeListFrames(PeerFrameType.names, "names", added)) {
      // Not taken (disconnected): the peers' next pull brings the names.
      publishSigned(nc, auth, { subject, payload });
    }
  }

  #onNames(msg: Msg): void {
    const { names, node, auth, log } = this.#options;
    if (this.#closed) return;
    const received = receivedFrame(msg, { names, auth, selfId: node.nodeId });
    if (received?.frame.type !== PeerFrameType.names) return;
    node.tokenNames.acceptRemote(received.frame.payload.names).catch((error) =>
      log.warn("backbone names not stored", { peer: received.origin, error: String(error) })
    );
  }

  #serve(msg: Msg): void {
    const { node, auth } = this.#options;
    if (isSigned(auth, msg)) respondSigned(auth, msg, tokenNamePageReply(node, msg.string()));
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
      const payload = JSON.stringify({ after });
      const frame = await requestFrame(nc, auth, {
        subject,
        payload,
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
      if (frame.type !== PeerFrameType.names) {
        throw new Error("Cannot pull names: the reply is not a names page");
      }
      const received = frame.payload.names.filter((name) => after === null || name > after);
      if (received.length === 0) return;
      await node.tokenNames.acceptRemote(received);
      after = received.reduce((last, name) => (name > last ? name : last));
    }
  }
}
