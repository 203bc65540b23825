import { test } from "node:test";
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { parseDurationSeconds, signUserToken, verifyUserToken } from "./user_token.ts";
import { base64url, forgeToken } from "./testing/forged_token.ts";

const SECRET = "an-auth-secret-for-tests-0123456789abcdef";
const NOW = 1_800_000_000_000;
const NOW_S = NOW / 1000;

/** A token with any header and payload, signed HS256 over whatever header it has. */
function handMade(header: object, payload: object, secret = SECRET): Promise<string> {
  return forgeToken(header, payload, secret);
}

test("signUserToken() makes a token verifyUserToken() accepts, claims intact", async () => {
  const token = await signUserToken({
    secret: SECRET,
    sub: "ann",
    ttlSeconds: 3600,
    chats: [9_000_000_001, 5],
    nowMs: NOW,
  });
  const check = await verifyUserToken(token, { secret: SECRET, nowMs: NOW + 1000 });
  assert.deepEqual(check, {
    ok: true,
    claims: { sub: "ann", chats: [9_000_000_001, 5], validUntilMs: NOW + 3600_000 + 30_000 },
  });
});

test("verifyUserToken() refuses expired, early, foreign, malformed and alg-confused tokens", async () => {
  const good = { sub: "ann", iat: NOW_S, exp: NOW_S + 60 };
  const hs512 = await new SignJWT(good).setProtectedHeader({ alg: "HS512" })
    .sign(new TextEncoder().encode(SECRET));
  const cases: Array<[string, string | Promise<string>, RegExp]> = [
    ["expired past the leeway", handMade({ alg: "HS256" }, { ...good, exp: NOW_S - 31 }), /exp/],
    [
      "not yet valid",
      handMade({ alg: "HS256" }, { ...good, nbf: NOW_S + 31 }),
      /nbf|refused/,
    ],
    ["wrong secret", handMade({ alg: "HS256" }, good, "another-secret-0123456789abcdef"), /sig/],
    ["alg none", `${base64url('{"alg":"none"}')}.${base64url(JSON.stringify(good))}.`, /alg|mal/],
    ["alg HS512", hs512, /alg/],
    ["alg RS256 (HMAC over the secret)", handMade({ alg: "RS256" }, good), /alg/],
    ["no exp", handMade({ alg: "HS256" }, { sub: "ann", iat: NOW_S }), /exp/],
    ["no sub", handMade({ alg: "HS256" }, { iat: NOW_S, exp: NOW_S + 60 }), /sub/],
    ["empty sub", handMade({ alg: "HS256" }, { ...good, sub: "" }), /sub/],
    ["sub over 64", handMade({ alg: "HS256" }, { ...good, sub: "x".repeat(65) }), /sub/],
    ["sub not text", handMade({ alg: "HS256" }, { ...good, sub: 7 }), /sub/],
    ["chats not ids", handMade({ alg: "HS256" }, { ...good, chats: [-1] }), /chats/],
    ["chats not a list", handMade({ alg: "HS256" }, { ...good, chats: "1,2" }), /chats/],
    ["life over 24 h", handMade({ alg: "HS256" }, { ...good, exp: NOW_S + 86401 }), /longer/],
    [
      "no iat, exp beyond 24 h",
      handMade({ alg: "HS256" }, { sub: "a", exp: NOW_S + 90000 }),
      /longer/,
    ],
    ["iat in the future", handMade({ alg: "HS256" }, { ...good, iat: NOW_S + 600 }), /iat/],
    ["garbage", "not.a.token", /malformed/],
    ["empty", "", /malformed/],
  ];
  for (const [name, token, reason] of cases) {
    const check = await verifyUserToken(await token, { secret: SECRET, nowMs: NOW });
    assert.equal(check.ok, false, name);
    assert.match(!check.ok ? check.reason : "", reason, name);
  }
});

test("verifyUserToken() forgives clock skew within the leeway and honours a shorter cap", async () => {
  const justExpired = await handMade({ alg: "HS256" }, { sub: "a", iat: NOW_S - 60, exp: NOW_S });
  assert.equal(
    (await verifyUserToken(justExpired, { secret: SECRET, nowMs: NOW + 20_000 })).ok,
    true,
  );
  assert.equal(
    (await verifyUserToken(justExpired, { secret: SECRET, nowMs: NOW + 20_000, leewaySeconds: 0 }))
      .ok,
    false,
  );
  const hour = await signUserToken({ secret: SECRET, sub: "a", ttlSeconds: 3600, nowMs: NOW });
  const capped = await verifyUserToken(hour, {
    secret: SECRET,
    nowMs: NOW,
    maxLifetimeSeconds: 600,
  });
  assert.equal(capped.ok, false);
});

test("parseDurationSeconds() reads seconds, minutes, hours and days", () => {
  const cases: Array<[string, number | null]> = [
    ["90", 90],
    ["90s", 90],
    ["15m", 900],
    ["1h", 3600],
    ["7d", 604800],
    ["0", null],
    ["1w", null],
    ["-5", null],
    ["", null],
  ];
  for (const [text, expected] of cases) assert.equal(parseDurationSeconds(text), expected, text);
});
