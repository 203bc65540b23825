/**
 * Edits and deletes (PROTOCOL.md section 7) as replicated updates, the core's
 * side: a change asked for here gets the next seq of this node's update log
 * (a numbering apart from messages), is stored with the message's new revision
 * in one group commit, then goes to the readers of the chat (`messageUpdated`)
 * and to the mesh. Updates from peers are logged idempotently, held past gaps
 * of their origin like messages (so the update marks stay contiguous), and
 * their revision merged (common/message_revision.ts) into the message; one that
 * arrives before its message is kept and merged when the message comes.
 *
 * Every copy of one (sender, clientMsgId) shares one revision: a change of one
 * copy is a change of the send, so an edit or delete made on a copy that later
 * turns out a hidden duplicate still shows on the copy that stays.
 *
 * Invariants: update marks (vector(), readAfter()) cover only durable updates,
 * each origin contiguous (the tracker numbers ahead of them: what is queued and
 * in flight); a message's revision only ever moves up the merge order, so
 * every node that saw the same updates shows the same text.
 * @module
 */

import { ContiguityTracker } from "../../common/contiguity_tracker.ts";
import type { HybridLogicalClock } from "../../common/hybrid_logical_clock.ts";
import { decodeMessageId, encodeMessageId } from "../../common/message_id.ts";
import {
  deleteRevision,
  editRevision,
  mergeRevisions,
  type MessageRevision,
  sameRevision,
} from "../../common/message_revision.ts";
import {
  type ReplicatedMessage,
  type ReplicatedUpdate,
  revisionOfUpdate,
  updateOf,
} from "../../common/peer_update_protocol.ts";
import type {
  ChatMessage,
  MessageUpdatePayload,
  ProtocolError,
  VectorWire,
} from "../../common/protocol.ts";
import { encodeServerFrame } from "../../common/server_frame_codec.ts";
import { ServerFrameType } from "../../common/protocol.ts";
import { encodeVector, type VersionVector } from "../../common/version_vector.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import type { MessageStore, StoredMessage } from "../store/message_store.ts";
import type { LocalPublisher } from "./delivery_topics.ts";
import { retractionsFor } from "./duplicate_retractions.ts";
import type { GroupCommit } from "./group_commit.ts";
import { type Actor, checkChange, type ReadAccess } from "./read_access.ts";
import { copiesOfSend } from "./duplicate_copies.ts";

export interface MessageUpdatesOptions {
  store: MessageStore;
  nodeId: number;
  clock: HybridLogicalClock;
  commits: GroupCommit;
  publisher: LocalPublisher;
  /** Who may change which message (read_access.ts). */
  access: ReadAccess;
  /** Why writes are refused now (the store failed a commit a moment ago), if they are. */
  refusal?: () => Error | undefined;
}

/** What a client asked: an edit (with its text) or a delete. */
export type ChangeRequest =
  | { kind: "edit"; messageId: string; text: string }
  | { kind: "delete"; messageId: string };

export type ChangeOutcome =
  | { ok: true; message: ChatMessage }
  | { ok: false; error: ProtocolError };

/** The revision a stored message carries. */
export function revisionOf(message: ReplicatedMessage): MessageRevision {
  const revision: MessageRevision = { text: message.text, deleted: message.deleted === true };
  if (message.edit) revision.edit = { ...message.edit };
  return revision;
}

/** message with revision's text, edit stamp, editedAt and deleted. */
export function withRevision<T extends ReplicatedMessage>(
  message: T,
  revision: MessageRevision,
): T {
  const revised = { ...message, text: revision.text };
  delete revised.edit;
  delete revised.deleted;
  delete revised.editedAt;
  if (revision.edit) revised.edit = { ...revision.edit };
  if (revision.deleted) revised.deleted = true;
  else if (revision.edit) revised.editedAt = revision.edit.dateTime;
  return revised;
}

const isVisible = (m: StoredMessage) => !m.held && !m.hidden;
const keyOf = (nodeId: number, seq: number) => `${nodeId}:${seq}`;

/** The `messageUpdated` frame text for a message as it now is. */
export function messageUpdatedFrame(
  message: MessageUpdatePayload,
  source: number,
  ref?: string,
): string {
  const payload = toWireMessage(message);
  return encodeServerFrame({ type: ServerFrameType.messageUpdated, payload, source, ref });
}

export class MessageUpdates {
  #options: MessageUpdatesOptions;
  /** Every update numbered or accepted here, committed or not yet. */
  #tracker: ContiguityTracker;
  /** Per origin, the contiguous mark of durable updates: what is served. */
  #durable: VersionVector = new Map();
  #nextSeq: number;
  /** Messages with a kept revision (they have not arrived yet). */
  #pendingKeys: Set<string>;
  #localListeners = new Set<(updates: ReplicatedUpdate[]) => void>();

  constructor(options: MessageUpdatesOptions) {
    this.#options = options;
    this.#tracker = new ContiguityTracker();
    this.#nextSeq = 1;
    this.#pendingKeys = new Set();
    this.reload();
  }

  /** Rebuilds the numbering, marks and kept keys from the store (at start, after a failed commit). */
  reload(): void {
    const { store, nodeId } = this.#options;
    const marks = store.updateMarks();
    this.#tracker = new ContiguityTracker(marks);
    this.#durable = new Map(marks);
    for (const { nodeId: origin, seq } of store.heldUpdateKeys()) this.#tracker.add(origin, seq);
    this.#nextSeq = this.#tracker.mark(nodeId) + 1;
    this.#pendingKeys = new Set(store.pendingRevisionKeys().map((k) => keyOf(k.nodeId, k.seq)));
  }

  /** Contiguous durable update marks per origin. */
  vector(): VectorWire {
    return encodeVector(this.#durable);
  }

  /** Listener gets this node's own updates after their commit. */
  onLocalUpdated(listener: (updates: ReplicatedUpdate[]) => void): () => void {
    this.#localListeners.add(listener);
    return () => this.#localListeners.delete(listener);
  }

  /**
   * An edit or delete from a local client. Resolves, once committed and published,
   * with the message as it now is; `exceptConnection` (the asking one) gets no
   * broadcast copy: it gets the outcome as its reply.
   */
  change(request: ChangeRequest, actor: Actor, exceptConnection?: number): Promise<ChangeOutcome> {
    const { store, nodeId, clock, commits } = this.#options;
    const refused = this.#options.refusal?.();
    if (refused) return Promise.reject(refused);
    const key = decodeMessageId(request.messageId);
    const target = key ? store.getMessage(key.nodeId, key.seq) : null;
    if (!target || target.held) {
      return Promise.resolve(failure("not_found", "no message has this messageId"));
    }
    const forbidden = checkChange(this.#options.access, actor, target);
    if (forbidden) return Promise.resolve({ ok: false, error: forbidden });
    if (target.deleted) {
      return request.kind === "delete"
        ? Promise.resolve({ ok: true, message: toWireMessage(target) })
        : Promise.resolve(failure("not_found", "the message was deleted"));
    }
    const stamp = clock.now();
    const revision = request.kind === "edit"
      ? editRevision(request.text, { ...stamp, nodeId })
      : deleteRevision();
    const seq = this.#nextSeq++;
    this.#tracker.add(nodeId, seq);
    const posts: Array<() => void> = [];
    let joined = revision;
    return commits.enqueue(() => {
      store.insertUpdate({
        nodeId,
        seq,
        messageNodeId: target.nodeId,
        messageSeq: target.seq,
        held: false,
      });
      joined = this.#applyToCopies(target, revision, posts, exceptConnection);
    }, () => {
      this.#markDurable(nodeId, seq);
      for (const post of posts) post();
      const update = updateOf(nodeId, seq, target.messageId, joined);
      for (const listener of this.#localListeners) listener([update]);
      return { ok: true as const, message: toWireMessage(withRevision(target, joined)) };
    });
  }

  /** Updates from a peer: logged once, held past gaps, merged into their messages. */
  acceptRemote(updates: ReplicatedUpdate[]): Promise<void> {
    const { store, clock, commits } = this.#options;
    const refused = this.#options.refusal?.();
    if (refused) return Promise.reject(refused);
    const writes: Array<() => void> = [];
    const posts: Array<() => void> = [];
    const sorted = [...updates].sort((a, b) => a.nodeId - b.nodeId || a.seq - b.seq);
    for (const update of sorted) {
      const key = decodeMessageId(update.messageId);
      if (!key) continue;
      const outcome = this.#tracker.add(update.nodeId, update.seq);
      if (outcome.kind === "duplicate") continue;
      if (update.edit) clock.observe(update.edit);
      if (update.nodeId === this.#options.nodeId && update.seq >= this.#nextSeq) {
        this.#nextSeq = update.seq + 1;
      }
      writes.push(() => {
        const held = outcome.kind === "held";
        store.insertUpdate({
          nodeId: update.nodeId,
          seq: update.seq,
          messageNodeId: key.nodeId,
          messageSeq: key.seq,
          held,
        });
        if (outcome.kind === "advanced") {
          for (let seq = outcome.fromSeq + 1; seq <= outcome.toSeq; seq++) {
            store.setUpdateHeld(update.nodeId, seq, false);
          }
          posts.push(() => this.#markDurable(update.nodeId, outcome.toSeq));
        }
        this.#applyRemote(key.nodeId, key.seq, revisionOfUpdate(update), posts);
      });
    }
    if (writes.length === 0) return Promise.resolve();
    return commits.enqueue(() => {
      for (const write of writes) write();
    }, () => {
      for (const post of posts) post();
    });
  }

  /** Committed, not-held updates of one origin after afterSeq, each with its message's revision. */
  readAfter(originNodeId: number, afterSeq: number, limit: number): ReplicatedUpdate[] {
    const { store } = this.#options;
    const upTo = this.#durable.get(originNodeId) ?? 0;
    if (afterSeq >= upTo) return [];
    const records = store.readUpdatesAfter(
      originNodeId,
      afterSeq,
      Math.min(limit, upTo - afterSeq),
    );
    return records.map((record) => {
      const messageId = encodeMessageId(record.messageNodeId, record.messageSeq);
      const message = store.getMessage(record.messageNodeId, record.messageSeq);
      const revision = message
        ? revisionOf(message)
        : store.peekPendingRevision(record.messageNodeId, record.messageSeq) ?? deleteRevision();
      return updateOf(record.nodeId, record.seq, messageId, revision);
    });
  }

  /**
   * Inside a commit, before a message is stored: its revision merged with a kept one
   * and with its other copies' (which move to the merged revision too).
   */
  reviseIncoming(
    message: ReplicatedMessage,
    copies: StoredMessage[],
    posts: Array<() => void>,
  ): ReplicatedMessage {
    // Nearly every message (a catch-up's million) has no kept revision and no other copy.
    if (copies.length === 0 && this.#pendingKeys.size === 0) return message;
    let revision = revisionOf(message);
    if (
      this.#pendingKeys.size > 0 && this.#pendingKeys.delete(keyOf(message.nodeId, message.seq))
    ) {
      const kept = this.#options.store.takePendingRevision(message.nodeId, message.seq);
      if (kept) revision = mergeRevisions(revision, kept);
    }
    const others = copies.filter((c) => c.nodeId !== message.nodeId || c.seq !== message.seq);
    if (others.length > 0) {
      revision = this.#applyToCopies(others[0], revision, posts, undefined, others);
    }
    return sameRevision(revision, revisionOf(message)) ? message : withRevision(message, revision);
  }

  /** An update's commit is durable: the marks may show it. */
  #markDurable(nodeId: number, seq: number): void {
    if (seq > (this.#durable.get(nodeId) ?? 0)) this.#durable.set(nodeId, seq);
  }

  #applyRemote(nodeId: number, seq: number, revision: MessageRevision, posts: Array<() => void>) {
    const { store } = this.#options;
    const target = store.getMessage(nodeId, seq);
    if (target) {
      this.#applyToCopies(target, revision, posts);
      return;
    }
    const kept = store.peekPendingRevision(nodeId, seq);
    store.putPendingRevision(nodeId, seq, kept ? mergeRevisions(kept, revision) : revision);
    this.#pendingKeys.add(keyOf(nodeId, seq));
  }

  /**
   * Inside a commit: merges revision into every copy of target's send, writes the
   * copies that change, and queues `messageUpdated` for the visible ones.
   * Returns the merged revision.
   */
  #applyToCopies(
    target: StoredMessage,
    revision: MessageRevision,
    posts: Array<() => void>,
    exceptConnection?: number,
    knownCopies?: StoredMessage[],
  ): MessageRevision {
    const { store } = this.#options;
    // Read again inside the commit: an earlier write of this batch may have moved them.
    const copies = knownCopies ??
      (target.clientMsgId === undefined
        ? [store.getMessage(target.nodeId, target.seq) ?? target]
        : copiesOfSend(store, target));
    const joined = copies.reduce((acc, copy) => mergeRevisions(acc, revisionOf(copy)), revision);
    for (const copy of copies) {
      if (sameRevision(revisionOf(copy), joined)) continue;
      store.reviseMessage(copy.nodeId, copy.seq, joined);
      if (!isVisible(copy)) continue;
      const now = toWireMessage(withRevision(copy, joined));
      posts.push(() => this.publishUpdated(now, exceptConnection));
    }
    return joined;
  }

  /**
   * `messageUpdated` frames retracting the hidden copies of the sends in `shown` (a reply a
   * hello client gets: it may have been shown a losing copy elsewhere; duplicate_retractions.ts).
   */
  retractionFrames(shown: readonly ChatMessage[]): string[] {
    const { store, nodeId } = this.#options;
    return retractionsFor(store, shown).map((message) => messageUpdatedFrame(message, nodeId));
  }

  /** `messageUpdated` to the hello readers of the message's chat on this node. */
  publishUpdated(message: MessageUpdatePayload, exceptConnection?: number): void {
    const frame = messageUpdatedFrame(message, this.#options.nodeId);
    this.#options.publisher.publishToReaders?.(message.chatId, frame, { exceptConnection });
  }
}

function failure(code: ProtocolError["code"], message: string): ChangeOutcome {
  return { ok: false, error: { code, message } };
}
