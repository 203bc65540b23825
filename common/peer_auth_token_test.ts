import { test } from "node:test";
import assert from "node:assert/strict";
import { createPeerAuth } from "./peer_auth_token.ts";

const SECRET = "a-cluster-secret-for-tests-0123456789";
const NOW = 1_800_000_000_000;

test("createPeerAuth() accepts a fresh proof once and names the dialler", async () => {
  const auth = createPeerAuth(SECRET);
  const header = await auth.signDial(42, NOW);
  const first = await auth.verifyDial(header, NOW + 500);
  assert.equal(first.ok, true);
  assert.equal(first.ok && first.nodeId, 42);
  assert.deepEqual(await auth.verifyDial(header, NOW + 600), {
    ok: false,
    reason: "replayed proof",
  });
});

test("createPeerAuth() refuses missing, malformed, stale and foreign proofs", async () => {
  const auth = createPeerAuth(SECRET);
  const other = createPeerAuth("another-secret-entirely-0123456789");
  const cases: [string | null, string][] = [
    [null, "no proof"],
    ["", "no proof"],
    ["garbage", "malformed proof"],
    ["v1.1.2.3", "malformed proof"],
    [await auth.signDial(7, NOW - 31_000), "stale proof"],
    [await auth.signDial(7, NOW + 31_000), "stale proof"],
    [await other.signDial(7, NOW), "wrong proof"],
  ];
  for (const [header, reason] of cases) {
    assert.deepEqual(await auth.verifyDial(header, NOW), { ok: false, reason }, String(header));
  }
  const good = await auth.signDial(7, NOW);
  const forgedId = good.replace(/^v1\.7\./, "v1.8.");
  assert.deepEqual(await auth.verifyDial(forgedId, NOW), { ok: false, reason: "wrong proof" });
});

test("createPeerAuth() accept proofs bind the acceptor id and the dialler nonce", async () => {
  const auth = createPeerAuth(SECRET);
  const proof = await auth.signAccept(9, "00112233445566778899aabbccddeeff");
  assert.equal(await auth.verifyAccept(9, "00112233445566778899aabbccddeeff", proof), true);
  assert.equal(await auth.verifyAccept(10, "00112233445566778899aabbccddeeff", proof), false);
  assert.equal(await auth.verifyAccept(9, "ffeeddccbbaa99887766554433221100", proof), false);
  assert.equal(await auth.verifyAccept(9, "00112233445566778899aabbccddeeff", 5), false);
});

test("createPeerAuth() forgets nonces beyond its memory bound without accepting replays early", async () => {
  const auth = createPeerAuth(SECRET, { maxRememberedNonces: 2 });
  for (let i = 0; i < 5; i++) {
    const check = await auth.verifyDial(await auth.signDial(1, NOW), NOW);
    assert.equal(check.ok, true);
  }
  assert.throws(() => createPeerAuth(""), TypeError);
});
