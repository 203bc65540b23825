/**
 * Who is connected with `hello`, on this node and (as told by the mesh) on the
 * others. Emits a presence event when a name comes online on a node (its first
 * connection there) or goes offline (its last one closed).
 *
 * Invariant: list() holds each (name, nodeId) once; an online event is always
 * followed, for the same (name, nodeId), by at most one offline event before
 * the next online one.
 * @module
 */

import type { PresenceEntry, PresenceEventPayload } from "../../common/protocol.ts";

/** One named presence on a node; chatIds null means every chat. */
export interface PresenceMember {
  name: string;
  chatIds: number[] | null;
}

interface LocalConnection {
  name: string;
  chatIds: number[] | null;
}

/** followsAll decides for a member following every chat (null): private chats ask. */
function inChat(
  member: PresenceMember,
  chatId: number | undefined,
  followsAll: (name: string) => boolean,
): boolean {
  if (chatId === undefined) return true;
  return member.chatIds === null ? followsAll(member.name) : member.chatIds.includes(chatId);
}

export class PresenceRegistry {
  #nodeId: number;
  #emit: (event: PresenceEventPayload) => void;
  #local = new Map<number, LocalConnection>();
  #remote = new Map<number, PresenceMember[]>();
  #localListeners = new Set<() => void>();

  /** emit receives every event, local and remote (to publish to hello clients). */
  constructor(nodeId: number, emit: (event: PresenceEventPayload) => void) {
    this.#nodeId = nodeId;
    this.#emit = emit;
  }

  /** A local connection said hello (again: renamed). */
  join(connectionId: number, name: string, chatIds: number[] | null): void {
    const previous = this.#local.get(connectionId);
    if (previous?.name === name) {
      previous.chatIds = chatIds;
      this.#notifyLocal();
      return;
    }
    if (previous) this.leave(connectionId);
    const wasOnline = this.#countLocal(name) > 0;
    this.#local.set(connectionId, { name, chatIds });
    if (!wasOnline) this.#emit({ name, nodeId: this.#nodeId, online: true });
    this.#notifyLocal();
  }

  /** A hello-ed local connection changed its subscriptions. */
  subscribe(connectionId: number, chatIds: number[] | null): void {
    const connection = this.#local.get(connectionId);
    if (!connection) return;
    connection.chatIds = chatIds;
    this.#notifyLocal();
  }

  /** A local connection closed (no-op when it never said hello). */
  leave(connectionId: number): void {
    const connection = this.#local.get(connectionId);
    if (!connection) return;
    this.#local.delete(connectionId);
    if (this.#countLocal(connection.name) === 0) {
      this.#emit({ name: connection.name, nodeId: this.#nodeId, online: false });
    }
    this.#notifyLocal();
  }

  /** This node's members, one per name, chats merged (what the mesh sends to peers). */
  local(): PresenceMember[] {
    const byName = new Map<string, PresenceMember>();
    for (const { name, chatIds } of this.#local.values()) {
      const member = byName.get(name);
      if (!member) byName.set(name, { name, chatIds: chatIds ? [...chatIds] : null });
      else if (member.chatIds !== null) {
        member.chatIds = chatIds === null ? null : [...new Set([...member.chatIds, ...chatIds])];
      }
    }
    return [...byName.values()];
  }

  /** Replaces what a peer node has; emits online/offline for the difference. */
  replaceRemote(nodeId: number, members: PresenceMember[]): void {
    if (nodeId === this.#nodeId) return;
    const before = new Set((this.#remote.get(nodeId) ?? []).map((m) => m.name));
    const after = new Set(members.map((m) => m.name));
    if (members.length === 0) this.#remote.delete(nodeId);
    else this.#remote.set(nodeId, members.map((m) => ({ name: m.name, chatIds: m.chatIds })));
    for (const name of after) if (!before.has(name)) this.#emit({ name, nodeId, online: true });
    for (const name of before) if (!after.has(name)) this.#emit({ name, nodeId, online: false });
  }

  /** A peer node went away: everyone on it is offline. */
  dropRemote(nodeId: number): void {
    this.replaceRemote(nodeId, []);
  }

  /**
   * Everyone connected with hello, on every node, optionally only those in chatId: those
   * subscribed to it by id, and those following every chat for whom followsAll says so
   * (default: all of them; a private chat passes its members).
   */
  list(chatId?: number, followsAll: (name: string) => boolean = () => true): PresenceEntry[] {
    const entries: PresenceEntry[] = [];
    for (const member of this.local()) {
      if (inChat(member, chatId, followsAll)) {
        entries.push({ name: member.name, nodeId: this.#nodeId });
      }
    }
    for (const [nodeId, members] of this.#remote) {
      for (const member of members) {
        if (inChat(member, chatId, followsAll)) entries.push({ name: member.name, nodeId });
      }
    }
    return entries;
  }

  /** Called whenever the local member set or their chats change (the mesh re-announces). */
  onLocalChange(listener: () => void): () => void {
    this.#localListeners.add(listener);
    return () => this.#localListeners.delete(listener);
  }

  #countLocal(name: string): number {
    let count = 0;
    for (const connection of this.#local.values()) if (connection.name === name) count++;
    return count;
  }

  #notifyLocal(): void {
    for (const listener of this.#localListeners) listener();
  }
}
