import { test } from "node:test";
import assert from "node:assert/strict";
import { createPeerAuth } from "./peer_auth_token.ts";

const SECRET = "a-cluster-secret-for-tests-0123456789";
const NOW = 1_800_000_000_000;
/** The node verifying the proofs below (the dial target). */
const ME = 2;

test("createPeerAuth() accepts a fresh proof once and names the dialler", async () => {
  const auth = createPeerAuth(SECRET);
  const header = await auth.signDial({ nodeId: 42, targetNodeId: ME, nowMs: NOW });
  const first = await auth.verifyDial(header, ME, NOW + 500);
  assert.equal(first.ok, true);
  assert.equal(first.ok && first.nodeId, 42);
  assert.deepEqual(await auth.verifyDial(header, ME, NOW + 600), {
    ok: false,
    reason: "replayed proof",
  });
});

test("createPeerAuth() refuses a proof made for another node, even fresh and unseen", async () => {
  const auth = createPeerAuth(SECRET);
  // A dials B (node 2); the header, sniffed on the way, is replayed to C (node 3).
  const toB = await auth.signDial({ nodeId: 1, targetNodeId: 2, nowMs: NOW });
  assert.deepEqual(await auth.verifyDial(toB, 3, NOW), {
    ok: false,
    reason: "proof for another node",
  });
  const forgedTarget = toB.replace(/^v2\.1\.2\./, "v2.1.3.");
  assert.deepEqual(await auth.verifyDial(forgedTarget, 3, NOW), {
    ok: false,
    reason: "wrong proof",
  });
  assert.equal((await auth.verifyDial(toB, 2, NOW)).ok, true);
});

test("createPeerAuth() refuses missing, malformed, old, stale and foreign proofs", async () => {
  const auth = createPeerAuth(SECRET);
  const other = createPeerAuth("another-secret-entirely-0123456789");
  const dial = (nowMs: number) => ({ nodeId: 7, targetNodeId: ME, nowMs });
  const cases: [string | null, string][] = [
    [null, "no proof"],
    ["", "no proof"],
    ["garbage", "malformed proof"],
    ["v2.1.2.3.4", "malformed proof"],
    ["v1.7.1800000000000.00112233445566778899aabbccddeeff.00", "old proof version"],
    [await auth.signDial(dial(NOW - 31_000)), "stale proof"],
    [await auth.signDial(dial(NOW + 31_000)), "stale proof"],
    [await other.signDial(dial(NOW)), "wrong proof"],
  ];
  for (const [header, reason] of cases) {
    assert.deepEqual(await auth.verifyDial(header, ME, NOW), { ok: false, reason }, String(header));
  }
  const good = await auth.signDial(dial(NOW));
  const forgedId = good.replace(/^v2\.7\./, "v2.8.");
  assert.deepEqual(await auth.verifyDial(forgedId, ME, NOW), { ok: false, reason: "wrong proof" });
});

test("createPeerAuth() remembers a nonce up to the last instant its proof passes", async () => {
  const auth = createPeerAuth(SECRET, { maxSkewMs: 30_000 });
  const header = await auth.signDial({ nodeId: 5, targetNodeId: ME, nowMs: NOW });
  assert.equal((await auth.verifyDial(header, ME, NOW)).ok, true);
  // Other dials move the clock on; the nonce stays while its proof is inside the window.
  const later = await auth.signDial({ nodeId: 6, targetNodeId: ME, nowMs: NOW + 30_000 });
  assert.equal((await auth.verifyDial(later, ME, NOW + 30_000)).ok, true);
  assert.deepEqual(await auth.verifyDial(header, ME, NOW + 30_000), {
    ok: false,
    reason: "replayed proof",
  });
  assert.deepEqual(await auth.verifyDial(header, ME, NOW + 30_001), {
    ok: false,
    reason: "stale proof",
  });
});

test("createPeerAuth() at its memory bound refuses new proofs instead of forgetting live nonces", async () => {
  const auth = createPeerAuth(SECRET, { maxRememberedNonces: 2, maxSkewMs: 30_000 });
  const headers = [];
  for (let i = 0; i < 3; i++) {
    headers.push(await auth.signDial({ nodeId: 1, targetNodeId: ME, nowMs: NOW }));
  }
  assert.equal((await auth.verifyDial(headers[0], ME, NOW)).ok, true);
  assert.equal((await auth.verifyDial(headers[1], ME, NOW)).ok, true);
  assert.deepEqual(await auth.verifyDial(headers[2], ME, NOW), {
    ok: false,
    reason: "too many proofs",
  });
  assert.deepEqual(await auth.verifyDial(headers[0], ME, NOW + 1), {
    ok: false,
    reason: "replayed proof",
  });
  // Once their window is over, the old nonces go and new proofs pass again.
  const fresh = await auth.signDial({ nodeId: 1, targetNodeId: ME, nowMs: NOW + 30_001 });
  assert.equal((await auth.verifyDial(fresh, ME, NOW + 30_001)).ok, true);
  assert.throws(() => createPeerAuth(""), TypeError);
});

test("createPeerAuth() accept proofs bind the acceptor id and the dialler nonce", async () => {
  const auth = createPeerAuth(SECRET);
  const proof = await auth.signAccept(9, "00112233445566778899aabbccddeeff");
  assert.equal(await auth.verifyAccept(9, "00112233445566778899aabbccddeeff", proof), true);
  assert.equal(await auth.verifyAccept(10, "00112233445566778899aabbccddeeff", proof), false);
  assert.equal(await auth.verifyAccept(9, "ffeeddccbbaa99887766554433221100", proof), false);
  assert.equal(await auth.verifyAccept(9, "00112233445566778899aabbccddeeff", 5), false);
});
