import { test } from "node:test";
import assert from "node:assert/strict";
import {
  compareEditStamps,
  deleteRevision,
  editRevision,
  mergeRevisions,
  type MessageRevision,
  sameRevision,
} from "./message_revision.ts";

const original: MessageRevision = { text: "hello", deleted: false };
const at = (second: number, lc = 0, nodeId = 1) => ({
  dateTime: `2026-01-01T00:00:${String(second).padStart(2, "0")}.000Z`,
  lc,
  nodeId,
});

test("compareEditStamps() orders by dateTime, then lc, then nodeId; absent lowest", () => {
  const cases: Array<
    [ReturnType<typeof at> | undefined, ReturnType<typeof at> | undefined, number]
  > = [
    [undefined, undefined, 0],
    [undefined, at(1), -1],
    [at(1), undefined, 1],
    [at(1), at(2), -1],
    [at(2, 0), at(2, 1), -1],
    [at(2, 1, 3), at(2, 1, 2), 1],
    [at(2, 1, 2), at(2, 1, 2), 0],
  ];
  for (const [a, b, sign] of cases) {
    assert.equal(Math.sign(compareEditStamps(a, b)), sign, JSON.stringify([a, b]));
  }
});

test("mergeRevisions() keeps the latest edit, whichever side it is on", () => {
  const cases: Array<[MessageRevision, MessageRevision, string]> = [
    [original, original, "hello"],
    [original, editRevision("v1", at(1)), "v1"],
    [editRevision("v1", at(1)), editRevision("v2", at(2)), "v2"],
    [editRevision("v2", at(2)), editRevision("v1", at(1)), "v2"],
    // same stamp on two nodes: the higher node id wins, on both sides
    [editRevision("on 1", at(5, 0, 1)), editRevision("on 2", at(5, 0, 2)), "on 2"],
    [editRevision("on 2", at(5, 0, 2)), editRevision("on 1", at(5, 0, 1)), "on 2"],
    [editRevision("lc 3", at(5, 3, 1)), editRevision("lc 2", at(5, 2, 9)), "lc 3"],
  ];
  for (const [a, b, text] of cases) {
    assert.equal(mergeRevisions(a, b).text, text, JSON.stringify([a, b]));
    assert.ok(sameRevision(mergeRevisions(a, b), mergeRevisions(b, a)));
  }
});

test("mergeRevisions() lets a delete win over any edit, older or newer, and drops the text", () => {
  for (const edit of [editRevision("late", at(59)), editRevision("early", at(0)), original]) {
    for (
      const merged of [
        mergeRevisions(edit, deleteRevision()),
        mergeRevisions(deleteRevision(), edit),
      ]
    ) {
      assert.equal(merged.deleted, true);
      assert.equal(merged.text, "");
    }
  }
});

test("mergeRevisions() converges in any order and is idempotent", () => {
  const changes = [
    editRevision("a", at(3, 0, 1)),
    editRevision("b", at(3, 0, 2)),
    editRevision("c", at(1)),
    original,
  ];
  const fold = (list: MessageRevision[]) => list.reduce(mergeRevisions, original);
  const expected = fold(changes);
  assert.equal(expected.text, "b");
  const orders = [[3, 2, 1, 0], [1, 0, 3, 2], [2, 3, 0, 1], [0, 0, 1, 1, 2, 3, 3]];
  for (const order of orders) {
    assert.ok(sameRevision(fold(order.map((i) => changes[i])), expected), order.join());
  }
  assert.ok(sameRevision(mergeRevisions(expected, expected), expected));
  const withDelete = [...changes, deleteRevision()];
  assert.ok(fold(withDelete).deleted);
  assert.ok(fold([...withDelete].reverse()).deleted);
});
