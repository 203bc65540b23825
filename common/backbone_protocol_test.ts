import { test } from "node:test";
import assert from "node:assert/strict";
import {
  backboneBatchId,
  backboneMessageId,
  backboneNames,
  encodeBeat,
  parseBackboneMessageId,
  parseBackboneUrls,
  parseBeat,
  parseSubject,
} from "./backbone_protocol.ts";

test("backboneNames() puts every subject of a cluster under dsatter.<tag>.", () => {
  const names = backboneNames("ab12");
  assert.equal(names.stream, "DSATTER_AB12");
  assert.deepEqual(names.streamSubjects, ["dsatter.ab12.msg.*", "dsatter.ab12.chat.*"]);
  assert.equal(names.messages(7), "dsatter.ab12.msg.7");
  assert.equal(names.sync(7), "dsatter.ab12.sync.7");
  assert.equal(names.allBeats, "dsatter.ab12.beat.*");
  assert.equal(names.tokenNames(7), "dsatter.ab12.names.7");
  assert.equal(names.tokenNamePages(7), "dsatter.ab12.namepages.7");
  assert.equal(names.allTokenNames, "dsatter.ab12.names.*");
  assert.throws(() => backboneNames("a.b"), /Cannot name the backbone/);
  assert.throws(() => backboneNames(""), /Cannot name the backbone/);
});

test("parseSubject() reads kind and node id, and refuses other clusters and junk", () => {
  const names = backboneNames("t1");
  assert.deepEqual(parseSubject(names, "dsatter.t1.msg.42"), { kind: "msg", nodeId: 42 });
  assert.deepEqual(parseSubject(names, "dsatter.t1.presence.3"), { kind: "presence", nodeId: 3 });
  for (
    const subject of ["dsatter.t2.msg.42", "dsatter.t1.msg.x", "dsatter.t1.msg.0", "dsatter.t1.msg"]
  ) {
    assert.equal(parseSubject(names, subject), null, subject);
  }
});

test("backboneMessageId() and backboneBatchId() round-trip through parseBackboneMessageId()", () => {
  assert.equal(backboneMessageId(12, 345), "12.345");
  assert.deepEqual(parseBackboneMessageId("12.345"), { nodeId: 12, firstSeq: 345, seq: 345 });
  assert.equal(backboneBatchId(12, 340, 345), "12.340-345");
  assert.equal(backboneBatchId(12, 345, 345), "12.345");
  assert.deepEqual(parseBackboneMessageId("12.340-345"), { nodeId: 12, firstSeq: 340, seq: 345 });
  for (const text of [undefined, "", "12", "12.0", "a.1", "1.2.3", "1.5-4", "1.0-4", "1.-4"]) {
    assert.equal(parseBackboneMessageId(text), null, String(text));
  }
});

test("parseBeat() accepts what encodeBeat() writes and refuses anything else", () => {
  const beat = { nodeId: 3, vector: { "3": 10, "4": 2 }, presenceRev: 5, leaving: false };
  assert.deepEqual(parseBeat(encodeBeat(beat)), { ok: true, value: beat });
  const bad = [
    "not json",
    JSON.stringify({ type: "other", payload: beat }),
    encodeBeat({ ...beat, nodeId: 0 }),
    encodeBeat({ ...beat, vector: { x: 1 } } as never),
    encodeBeat({ ...beat, presenceRev: -1 }),
    JSON.stringify({ type: "backboneBeat", payload: { ...beat, leaving: "no" } }),
  ];
  for (const text of bad) assert.equal(parseBeat(text).ok, false, text);
});

test("parseBackboneUrls() takes a comma list of nats:// URLs", () => {
  assert.deepEqual(parseBackboneUrls("nats://127.0.0.1:4222, nats://b:4223"), {
    ok: true,
    value: ["nats://127.0.0.1:4222", "nats://b:4223"],
  });
  for (const text of ["", "http://x:1", "127.0.0.1:4222", "nats://x:1/path"]) {
    assert.equal(parseBackboneUrls(text).ok, false, text);
  }
});
