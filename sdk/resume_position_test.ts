import { test } from "node:test";
import assert from "node:assert/strict";
import { ResumePosition } from "./resume_position.ts";
import { testMessage } from "./testing/test_message.ts";

const msg = testMessage;

test("ResumePosition.accept() is true once per message and moves the vector forward only", () => {
  const position = new ResumePosition();
  assert.equal(position.accept(msg(1, 5)), true);
  assert.equal(position.accept(msg(1, 5)), false);
  assert.equal(position.accept(msg(1, 3)), true); // an older one, first seen now
  assert.deepEqual(position.wire(), { "1": 5 });
  position.mergeVector(new Map([[1, 4], [2, 7]]));
  assert.deepEqual(position.wire(), { "1": 5, "2": 7 });
});

test("ResumePosition.accept() shows one copy per (sender, clientMsgId)", () => {
  const position = new ResumePosition();
  assert.equal(position.accept(msg(1, 1, { clientMsgId: "c", sender: "ann" })), true);
  assert.equal(position.accept(msg(2, 1, { clientMsgId: "c", sender: "ann" })), false);
  assert.equal(position.accept(msg(2, 2, { clientMsgId: "c", sender: "bob" })), true);
  assert.deepEqual(position.wire(), { "1": 1, "2": 2 });
});

test("ResumePosition forgets the oldest ids past maxRemembered", () => {
  const position = new ResumePosition({ maxRemembered: 2 });
  position.accept(msg(1, 1));
  position.accept(msg(1, 2));
  position.accept(msg(1, 3));
  assert.equal(position.hasSeen(msg(1, 1)), false);
  assert.equal(position.hasSeen(msg(1, 3)), true);
  assert.throws(() => new ResumePosition({ maxRemembered: 0 }), RangeError);
});

test("ResumePosition is known only once told so", () => {
  const position = new ResumePosition();
  position.accept(msg(1, 1));
  position.mergeVector(new Map([[1, 3]]));
  assert.equal(position.known, false);
  position.markKnown();
  assert.equal(position.known, true);
});
