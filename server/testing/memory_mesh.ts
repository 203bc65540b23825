/**
 * A chat node in memory for the PeerMesh tests (server/mesh/peer_mesh_test.ts):
 * the core's contiguity, update log, presence, typing and token names, no
 * SQLite; its own messages and edits handed to the mesh like the core's.
 * @module
 */

import { ContiguityTracker } from "../../common/contiguity_tracker.ts";
import { encodeMessageId } from "../../common/message_id.ts";
import type { PeerChat, PeerPresenceMember } from "../../common/peer_protocol.ts";
import type { ChatMessage, TypingEventPayload } from "../../common/protocol.ts";
import type { ReplicatedUpdate } from "../../common/peer_update_protocol.ts";
import { encodeVector } from "../../common/version_vector.ts";
import { NOTHING_REFUSED, type RemoteOutcome } from "../core/remote_screen.ts";
import type { MeshNode } from "../mesh/peer_link.ts";

/** A chat node in memory: contiguity like the real core, no SQLite. */
export class MemoryMeshNode implements MeshNode {
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
