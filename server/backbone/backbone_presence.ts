/**
 * Presence over core NATS: each node publishes its whole hello list (in frames
 * of at most 60 KiB, the last with `done`) on `presence.<nodeId>` when it
 * changes and whenever another node asks (`want.<nodeId>`), tagged with a
 * revision that its beats repeat. A node whose beat names a revision other
 * than the list it holds for that peer asks for the list again, so a lost
 * frame or a late joiner heals within one beat, without anyone sending lists
 * on a timer.
 *
 * Invariant: a peer's list replaces the previous one only once complete
 * (`done`), and is dropped the moment the peer is declared gone.
 * @module
 */

import { type Clock, systemClock } from "../../common/clock.ts";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { type BackboneNames, parseSubject } from "../../common/backbone_protocol.ts";
import {
  encodeListFrames,
  parsePeerFrame,
  PeerFrameType,
  type PeerPresenceMember,
} from "../../common/peer_protocol.ts";
import type { Logger } from "../../common/logger.ts";
import type { ReplicaNode } from "../replication/replicator.ts";
import type { BackboneAuth } from "./backbone_auth.ts";
import { isSigned, publishSigned, type ReceivedMessage } from "./backbone_messages.ts";

export const PRESENCE_REV_HEADER = "Dsatter-Rev";
const PRESENCE_DEBOUNCE_MS = 50;
/** A list is asked for again at most this often per peer. */
const WANT_EVERY_MS = 1000;

export interface BackbonePresenceOptions {
  node: Pick<
    ReplicaNode,
    "nodeId" | "localPresence" | "onLocalPresenceChanged" | "setRemotePresence"
  >;
  nc: NatsConnection;
  names: BackboneNames;
  auth: BackboneAuth;
  log: Logger;
  /** @default systemClock */
  clock?: Clock;
}

interface RemoteList {
  /** The revision of the list now applied; -1 before the first. */
  heldRev: number;
  /** Frames of the list being received. */
  assembling: PeerPresenceMember[];
  wantedAtMs: number;
}

export class BackbonePresence {
  #options: BackbonePresenceOptions;
  #rev = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #remote = new Map<number, RemoteList>();
  #subscriptions: Subscription[] = [];
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(options: BackbonePresenceOptions) {
    this.#options = options;
  }

  /** The revision of this node's list (what its beats carry). */
  get rev(): number {
    return this.#rev;
  }

  start(): void {
    const { nc, names, node } = this.#options;
    this.#unsubscribe = node.onLocalPresenceChanged(() => {
      this.#rev += 1;
      this.#schedule();
    });
    this.#subscriptions.push(
      nc.subscribe(names.allPresence, { callback: (_e, msg) => this.#onFrame(msg) }),
      nc.subscribe(names.presenceWanted(node.nodeId), {
        callback: (_e, msg) => {
          if (isSigned(this.#options.auth, msg)) this.#schedule();
        },
      }),
    );
  }

  /** A beat of `peerId` says its list is at `rev`: ask for it unless held. */
  noteBeat(peerId: number, rev: number): void {
    const remote = this.#remoteOf(peerId);
    if (remote.heldRev === rev) return;
    const now = (this.#options.clock ?? systemClock).nowMs();
    if (now - remote.wantedAtMs < WANT_EVERY_MS) return;
    remote.wantedAtMs = now;
    const subject = this.#options.names.presenceWanted(peerId);
    const payload = JSON.stringify({ from: this.#options.node.nodeId });
    this.#publish(subject, payload);
  }

  /** `peerId` is gone: its members go offline now. */
  drop(peerId: number): void {
    if (!this.#remote.delete(peerId)) return;
    this.#options.node.setRemotePresence(peerId, null);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#unsubscribe?.();
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
  }

  #remoteOf(peerId: number): RemoteList {
    let remote = this.#remote.get(peerId);
    if (!remote) {
      remote = { heldRev: -1, assembling: [], wantedAtMs: 0 };
      this.#remote.set(peerId, remote);
    }
    return remote;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#sendList();
    }, PRESENCE_DEBOUNCE_MS);
  }

  #sendList(): void {
    const { names, node } = this.#options;
    const subject = names.presence(node.nodeId);
    const frames = encodeListFrames(PeerFrameType.presence, "members", node.localPresence(), {
      extra: (isLast) => ({ done: isLast }),
    });
    for (const frame of frames) {
      this.#publish(subject, frame, { [PRESENCE_REV_HEADER]: String(this.#rev) });
    }
  }

  #publish(subject: string, payload: string, extra?: Record<string, string>): void {
    if (this.#closed) return;
    if (!publishSigned(this.#options.nc, this.#options.auth, { subject, payload, extra })) {
      this.#options.log.debug("backbone presence not sent", { subject });
    }
  }

  #onFrame(msg: ReceivedMessage): void {
    const { names, node, auth } = this.#options;
    const origin = parseSubject(names, msg.subject);
    if (!origin || origin.nodeId === node.nodeId) return;
    if (!isSigned(auth, msg)) return;
    const rev = Number(msg.headers?.get(PRESENCE_REV_HEADER));
    const frame = parsePeerFrame(msg.string());
    if (!frame.ok || frame.value.type !== PeerFrameType.presence || !Number.isSafeInteger(rev)) {
      return;
    }
    const remote = this.#remoteOf(origin.nodeId);
    remote.assembling.push(...frame.value.payload.members);
    if (!frame.value.payload.done) return;
    const members = remote.assembling;
    remote.assembling = [];
    remote.heldRev = rev;
    node.setRemotePresence(origin.nodeId, members);
  }
}
