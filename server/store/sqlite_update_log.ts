/**
 * The SQLite store's update log (which edit or delete of which message, per
 * origin) and the revisions kept for messages not stored yet.
 *
 * Invariant: the log holds no text; a kept revision is removed when taken, and
 * with secure_delete on its bytes go with it.
 * @module
 */

import type { Database, Statement } from "bun:sqlite";
import type { MessageRevision } from "../../common/message_revision.ts";
import type { StoredUpdate, UpdateRecord } from "./message_store.ts";
import { type RevisionRow, toRevision } from "./sqlite_message_rows.ts";

type Params = Array<string | number | null>;

interface UpdateRow {
  node_id: number;
  seq: number;
  message_node: number;
  message_seq: number;
}

export class SqliteUpdateLog {
  #statements: Record<string, Statement<unknown, Params>>;

  constructor(db: Database) {
    const prepare = (sql: string) => db.prepare<unknown, Params>(sql);
    this.#statements = {
      insert: prepare(
        `INSERT OR IGNORE INTO message_updates (node_id, seq, message_node, message_seq, held)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      setHeld: prepare("UPDATE message_updates SET held = ? WHERE node_id = ? AND seq = ?"),
      marks: prepare(
        "SELECT node_id, MAX(seq) AS seq FROM message_updates WHERE held = 0 GROUP BY node_id",
      ),
      heldKeys: prepare("SELECT node_id, seq FROM message_updates WHERE held = 1"),
      readAfter: prepare(
        `SELECT node_id, seq, message_node, message_seq FROM message_updates
         WHERE node_id = ? AND seq > ? AND held = 0 ORDER BY seq LIMIT ?`,
      ),
      putPending: prepare(
        `INSERT OR REPLACE INTO pending_revisions
         (node_id, seq, text, edit_date_time, edit_lc, edit_node, deleted)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      getPending: prepare(
        `SELECT text, edit_date_time, edit_lc, edit_node, deleted FROM pending_revisions
         WHERE node_id = ? AND seq = ?`,
      ),
      deletePending: prepare("DELETE FROM pending_revisions WHERE node_id = ? AND seq = ?"),
      pendingKeys: prepare("SELECT node_id, seq FROM pending_revisions"),
    };
  }

  insert(update: StoredUpdate): boolean {
    const { nodeId, seq, messageNodeId, messageSeq, held } = update;
    return this.#statements.insert.run(nodeId, seq, messageNodeId, messageSeq, held ? 1 : 0)
      .changes === 1;
  }

  setHeld(nodeId: number, seq: number, held: boolean): void {
    this.#statements.setHeld.run(held ? 1 : 0, nodeId, seq);
  }

  marks(): Map<number, number> {
    const rows = this.#statements.marks.all() as Array<{ node_id: number; seq: number }>;
    return new Map(rows.map((row) => [row.node_id, row.seq]));
  }

  heldKeys(): Array<{ nodeId: number; seq: number }> {
    const rows = this.#statements.heldKeys.all() as Array<{ node_id: number; seq: number }>;
    return rows.map((row) => ({ nodeId: row.node_id, seq: row.seq }));
  }

  readAfter(originNodeId: number, afterSeq: number, limit: number): UpdateRecord[] {
    const rows = this.#statements.readAfter.all(originNodeId, afterSeq, limit) as UpdateRow[];
    return rows.map((row) => ({
      nodeId: row.node_id,
      seq: row.seq,
      messageNodeId: row.message_node,
      messageSeq: row.message_seq,
    }));
  }

  putPending(nodeId: number, seq: number, revision: MessageRevision): void {
    const edit = revision.edit;
    this.#statements.putPending.run(
      nodeId,
      seq,
      revision.deleted ? "" : revision.text,
      edit?.dateTime ?? null,
      edit?.lc ?? null,
      edit?.nodeId ?? null,
      revision.deleted ? 1 : 0,
    );
  }

  peekPending(nodeId: number, seq: number): MessageRevision | null {
    const row = this.#statements.getPending.get(nodeId, seq) as RevisionRow | null;
    return row ? toRevision(row) : null;
  }

  takePending(nodeId: number, seq: number): MessageRevision | null {
    const revision = this.peekPending(nodeId, seq);
    if (revision) this.#statements.deletePending.run(nodeId, seq);
    return revision;
  }

  pendingKeys(): Array<{ nodeId: number; seq: number }> {
    const rows = this.#statements.pendingKeys.all() as Array<{ node_id: number; seq: number }>;
    return rows.map((row) => ({ nodeId: row.node_id, seq: row.seq }));
  }

  finalize(): void {
    for (const statement of Object.values(this.#statements)) statement.finalize();
  }
}
