/**
 * The memory store's update log and kept revisions (the base class of
 * MemoryMessageStore): the same behaviour as sqlite_update_log.ts.
 * @module
 */

import type { MessageRevision } from "../../common/message_revision.ts";
import type { StoredUpdate, UpdateRecord } from "./message_store.ts";

export class MemoryUpdateLog {
  #updates = new Map<string, StoredUpdate>();
  #pending = new Map<string, MessageRevision>();

  insertUpdate(update: StoredUpdate): boolean {
    const key = `${update.nodeId}:${update.seq}`;
    if (this.#updates.has(key)) return false;
    this.#updates.set(key, { ...update });
    return true;
  }

  setUpdateHeld(nodeId: number, seq: number, held: boolean): void {
    const update = this.#updates.get(`${nodeId}:${seq}`);
    if (update) update.held = held;
  }

  updateMarks(): Map<number, number> {
    const marks = new Map<number, number>();
    for (const update of this.#updates.values()) {
      if (!update.held && update.seq > (marks.get(update.nodeId) ?? 0)) {
        marks.set(update.nodeId, update.seq);
      }
    }
    return marks;
  }

  heldUpdateKeys(): Array<{ nodeId: number; seq: number }> {
    return [...this.#updates.values()].filter((u) => u.held).map(({ nodeId, seq }) => ({
      nodeId,
      seq,
    }));
  }

  readUpdatesAfter(originNodeId: number, afterSeq: number, limit: number): UpdateRecord[] {
    return [...this.#updates.values()]
      .filter((u) => u.nodeId === originNodeId && u.seq > afterSeq && !u.held)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map(({ nodeId, seq, messageNodeId, messageSeq }) => ({
        nodeId,
        seq,
        messageNodeId,
        messageSeq,
      }));
  }

  putPendingRevision(nodeId: number, seq: number, revision: MessageRevision): void {
    this.#pending.set(`${nodeId}:${seq}`, structuredClone(revision));
  }

  peekPendingRevision(nodeId: number, seq: number): MessageRevision | null {
    const revision = this.#pending.get(`${nodeId}:${seq}`);
    return revision ? structuredClone(revision) : null;
  }

  pendingRevisionKeys(): Array<{ nodeId: number; seq: number }> {
    return [...this.#pending.keys()].map((key) => {
      const [nodeId, seq] = key.split(":").map(Number);
      return { nodeId, seq };
    });
  }

  /** Makes this log a deep copy of other's (MemoryStoreState.clone()). */
  protected copyUpdateLogFrom(other: MemoryUpdateLog): void {
    this.#updates = new Map([...other.#updates].map(([key, update]) => [key, { ...update }]));
    this.#pending = new Map(
      [...other.#pending].map(([key, revision]) => [key, structuredClone(revision)]),
    );
  }

  takePendingRevision(nodeId: number, seq: number): MessageRevision | null {
    const revision = this.peekPendingRevision(nodeId, seq);
    this.#pending.delete(`${nodeId}:${seq}`);
    return revision;
  }
}
