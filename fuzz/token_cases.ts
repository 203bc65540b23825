/**
 * Hostile user tokens for the access surface (PROTOCOL.md section 6): garbage,
 * expired, `none`/HS512/RS256 headers over an HMAC, forged with another secret,
 * tampered claims, a sub out of range, no exp, too long a life, an `iat` in the
 * future, a bad `chats` claim, oversized; and valid ones, each carried in
 * `?token=` or `Authorization: Bearer` (or a header that is not Bearer at all).
 *
 * Invariant: `kind` is the contract's reading of the credential alone: "valid"
 * (speaks as `sub`), "invalid" (401 in every mode), "missing" (401 with
 * --auth required, anonymous with optional), "either" (the contract does not
 * say whether it is missing or invalid: an empty `?token=`).
 * @module
 */

import { base64url, forgeToken } from "../common/testing/forged_token.ts";
import { signUserToken } from "../common/user_token.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";

export type CredentialKind = "valid" | "invalid" | "missing" | "either";

export interface Credential {
  label: string;
  kind: CredentialKind;
  /**
   * Statuses the HTTP layer may answer before the token is read (an oversized header or
   * URL: 431 or 414); the contract is silent on requests that large.
   */
  tooLarge?: number[];
  /** The token's sub when valid. */
  sub?: string;
  /** Goes in the upgrade URL as `?token=` (encoded). */
  query?: string;
  /** Goes in the `Authorization` header as is. */
  authorization?: string;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token with any claims, MAC'd with HS256 over the right secret (the header may lie). */
function claimsToken(secret: string, claims: object, header: object = { alg: "HS256" }) {
  return forgeToken({ typ: "JWT", ...header }, claims, secret);
}

type Maker = (secret: string, sub: string, random: SeededRandom) => Promise<[string, string]>;

/** Tokens the contract refuses, each with its label. */
const INVALID: Maker[] = [
  (_s, _sub, random) =>
    Promise.resolve([
      "garbage",
      random.pick([
        "garbage",
        "a.b.c",
        "..",
        "x".repeat(300),
        "eyJhbGciOiJIUzI1NiJ9",
        "e30.e30.",
        "!!!",
      ]),
    ]),
  async (secret, sub) => [
    "expired",
    await signUserToken({ secret, sub, ttlSeconds: 60, nowMs: Date.now() - 600_000 }),
  ],
  async (secret, sub, random) => [
    "wrong alg",
    await claimsToken(secret, { sub, iat: nowSeconds(), exp: nowSeconds() + 600 }, {
      alg: random.pick(["HS512", "RS256", "HS384", "ES256", "hs256", ""]),
    }),
  ],
  (_secret, sub) =>
    Promise.resolve([
      "alg none",
      `${base64url('{"alg":"none","typ":"JWT"}')}.${
        base64url(JSON.stringify({ sub, exp: nowSeconds() + 600 }))
      }.`,
    ]),
  async (_secret, sub) => [
    "forged",
    await signUserToken({ secret: "not-the-cluster-auth-secret-0123456789", sub, ttlSeconds: 600 }),
  ],
  async (secret, sub) => {
    // A valid token whose payload is swapped for another sub: the MAC no longer fits.
    const [header, , mac] = (await signUserToken({ secret, sub, ttlSeconds: 600 })).split(".");
    const payload = base64url(JSON.stringify({ sub: "root", exp: nowSeconds() + 600 }));
    return ["tampered", `${header}.${payload}.${mac}`];
  },
  async (secret, _sub, random) => [
    "bad sub",
    await claimsToken(secret, {
      sub: random.pick(["", "x".repeat(65), 42, null, ["ann"], "\ud800"]),
      exp: nowSeconds() + 600,
    }),
  ],
  async (secret, sub) => ["no exp", await claimsToken(secret, { sub, iat: nowSeconds() })],
  async (secret, sub) => [
    "too long a life",
    await claimsToken(secret, { sub, iat: nowSeconds(), exp: nowSeconds() + 3 * 86400 }),
  ],
  async (secret, sub) => [
    "iat in the future",
    await claimsToken(secret, { sub, iat: nowSeconds() + 3600, exp: nowSeconds() + 7200 }),
  ],
  async (secret, sub, random) => [
    "bad chats claim",
    await claimsToken(secret, {
      sub,
      exp: nowSeconds() + 600,
      chats: random.pick([["1"], [-1], 5, [1.5], Array.from({ length: 1001 }, (_, i) => i)]),
    }),
  ],
  async (secret, sub) => [
    "oversized",
    await claimsToken(secret, { sub, exp: nowSeconds() + 600, pad: "p".repeat(17_000) }),
  ],
];

/**
 * A credential for an upgrade or a REST request: 45 % valid (as `sub`), 45 % invalid,
 * 10 % none or odd.
 */
export async function credentialCase(
  random: SeededRandom,
  options: { secret: string; sub: string; allowQuery: boolean },
): Promise<Credential> {
  const roll = random.next();
  const carry = (label: string, kind: CredentialKind, token: string, sub?: string) =>
    options.allowQuery && random.chance(0.5)
      ? { label: `${label} (?token=)`, kind, sub, query: token }
      : { label: `${label} (Bearer)`, kind, sub, authorization: `Bearer ${token}` };
  if (roll < 0.45) {
    const token = await signUserToken({
      secret: options.secret,
      sub: options.sub,
      ttlSeconds: 600,
    });
    return carry("valid token", "valid", token, options.sub);
  }
  if (roll < 0.9) {
    const [label, token] = await random.pick(INVALID)(options.secret, options.sub, random);
    const credential: Credential = carry(label, "invalid", token);
    if (token.length > 8 * 1024) credential.tooLarge = [431, 414];
    return credential;
  }
  if (roll < 0.95 || !options.allowQuery) {
    return random.chance(0.5) ? { label: "no token", kind: "missing" } : {
      label: "Authorization not Bearer",
      kind: "invalid",
      authorization: random.pick(["Basic YW5uOnB3", "Bearer", "Bearer a b", "Token x", "bearer"]),
    };
  }
  return { label: "empty ?token=", kind: "either", query: "" };
}
