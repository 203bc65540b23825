/**
 * The convergence rule of edits and deletes (PROTOCOL.md section 7): a message's
 * changeable part is a revision (its text, the stamp of the edit that shows, and
 * whether it is deleted), and two revisions of one message merge into one by a
 * join that every node computes the same way, whatever order they arrive in:
 * a delete wins over everything; otherwise the edit with the latest hybrid-clock
 * stamp wins, ties broken by the editing node's id (a node never issues one
 * stamp twice, so (dateTime, lc, nodeId) is unique per edit).
 *
 * Invariant: mergeRevisions is commutative, associative and idempotent, and a
 * deleted revision carries no text, so replicas that saw the same changes hold
 * the same revision and no deleted text survives a merge.
 * @module
 */

/** Which edit a revision's text comes from: the edit's hybrid-clock stamp and node. */
export interface EditStamp {
  dateTime: string;
  lc: number;
  nodeId: number;
}

/** The changeable part of a message. */
export interface MessageRevision {
  /** The text as it now reads; "" once deleted. */
  text: string;
  /** The edit the text comes from; absent while the text is the original one. */
  edit?: EditStamp;
  /** Once deleted, for good. */
  deleted: boolean;
}

/** Orders two edit stamps; an absent one (the original text) is below every edit. */
export function compareEditStamps(a: EditStamp | undefined, b: EditStamp | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  if (a.dateTime !== b.dateTime) return a.dateTime < b.dateTime ? -1 : 1;
  return a.lc - b.lc || a.nodeId - b.nodeId;
}

/** The revision both sides converge to. */
export function mergeRevisions(a: MessageRevision, b: MessageRevision): MessageRevision {
  const later = compareEditStamps(a.edit, b.edit) >= 0 ? a : b;
  if (a.deleted || b.deleted) {
    const merged: MessageRevision = { text: "", deleted: true };
    if (later.edit) merged.edit = { ...later.edit };
    return merged;
  }
  const merged: MessageRevision = { text: later.text, deleted: false };
  if (later.edit) merged.edit = { ...later.edit };
  return merged;
}

/** True when both revisions read the same (what a client would see). */
export function sameRevision(a: MessageRevision, b: MessageRevision): boolean {
  return a.deleted === b.deleted && a.text === b.text && compareEditStamps(a.edit, b.edit) === 0;
}

/** The revision an edit makes. */
export function editRevision(text: string, edit: EditStamp): MessageRevision {
  return { text, edit: { ...edit }, deleted: false };
}

/** The revision a delete makes. */
export function deleteRevision(): MessageRevision {
  return { text: "", deleted: true };
}
