/**
 * User tokens (PROTOCOL.md section 6): JWTs (RFC 7519) signed with HS256 under
 * `DSATTER_AUTH_SECRET`, claims `sub` (the user's name), `exp`, optional `nbf`,
 * `iat` and `chats` (private chat ids the holder may use). Signing for
 * `deno task token` and tests, verification for the nodes, both with `jose`
 * (WebCrypto underneath: the MAC comparison is constant-time). Runtime-neutral.
 *
 * Invariants: a token verifies only with `alg` HS256 (`none`, HS512, RS256 and
 * anything else are refused before any key is used), a valid MAC, an `exp`, and
 * `exp`/`nbf` honoured within `leewaySeconds`; its lifetime (exp - iat, or
 * exp - now without iat) is at most `maxLifetimeSeconds`; `sub` is 1..64
 * characters of well-formed text; `chats` is at most TOKEN_MAX_CHATS chat ids.
 * @module
 */

import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { charLength, isChatId, isWellFormedText } from "./client_frame_validation.ts";
import { Limits } from "./protocol.ts";

/** What a verified token says. */
export interface UserClaims {
  /** The user's name: every message and hello of the holder carries it. */
  sub: string;
  /** Private chats the holder may use besides those it is a member of. */
  chats: number[];
  /** When the token stops being valid (exp plus the leeway), ms since the epoch. */
  validUntilMs: number;
}

export type TokenCheck =
  | { ok: true; claims: UserClaims }
  | { ok: false; reason: string };

export interface VerifyOptions {
  secret: string;
  /** Clock skew forgiven on exp and nbf. @default 30 */
  leewaySeconds?: number;
  /** The longest lifetime a token may claim. @default 86400 (24 h) */
  maxLifetimeSeconds?: number;
  /** @default Date.now */
  nowMs?: number;
}

/** The most chat ids a `chats` claim may list. */
export const TOKEN_MAX_CHATS = 1000;
/** Longer tokens are refused unread (a header line or URL of this size is already odd). */
export const TOKEN_MAX_CHARS = 16 * 1024;
export const DEFAULT_TOKEN_LEEWAY_SECONDS = 30;
export const DEFAULT_TOKEN_MAX_LIFETIME_SECONDS = 24 * 60 * 60;

const encoder = new TextEncoder();

function keyOf(secret: string): Uint8Array {
  if (secret.length === 0) throw new TypeError("Cannot use an empty auth secret");
  return encoder.encode(secret);
}

/** Checks the claims jose leaves to the application: sub, chats, lifetime. */
function checkClaims(
  payload: Record<string, unknown>,
  nowSeconds: number,
  options: { leewaySeconds: number; maxLifetimeSeconds: number },
): TokenCheck {
  const { sub, exp, iat, chats } = payload;
  if (
    typeof sub !== "string" || !isWellFormedText(sub) || charLength(sub) < 1 ||
    charLength(sub) > Limits.senderMaxChars
  ) {
    return { ok: false, reason: `sub must be 1..${Limits.senderMaxChars} characters` };
  }
  if (typeof exp !== "number") return { ok: false, reason: "exp is required" };
  if (iat !== undefined && (typeof iat !== "number" || iat > nowSeconds + options.leewaySeconds)) {
    return { ok: false, reason: "iat lies in the future" };
  }
  const issuedAt = typeof iat === "number" ? iat : nowSeconds;
  if (exp - issuedAt > options.maxLifetimeSeconds) {
    return {
      ok: false,
      reason: `the token lives longer than ${options.maxLifetimeSeconds} s (exp - iat)`,
    };
  }
  let chatIds: number[] = [];
  if (chats !== undefined) {
    if (!Array.isArray(chats) || chats.length > TOKEN_MAX_CHATS || !chats.every(isChatId)) {
      return { ok: false, reason: `chats must be up to ${TOKEN_MAX_CHATS} chat ids` };
    }
    chatIds = [...new Set(chats as number[])];
  }
  return {
    ok: true,
    claims: { sub, chats: chatIds, validUntilMs: (exp + options.leewaySeconds) * 1000 },
  };
}

/** Verifies a token; never throws. */
export async function verifyUserToken(token: string, options: VerifyOptions): Promise<TokenCheck> {
  if (token.length === 0 || token.length > TOKEN_MAX_CHARS) {
    return { ok: false, reason: "malformed token" };
  }
  const leewaySeconds = options.leewaySeconds ?? DEFAULT_TOKEN_LEEWAY_SECONDS;
  const maxLifetimeSeconds = options.maxLifetimeSeconds ?? DEFAULT_TOKEN_MAX_LIFETIME_SECONDS;
  const nowMs = options.nowMs ?? Date.now();
  try {
    const { payload } = await jwtVerify(token, keyOf(options.secret), {
      algorithms: ["HS256"],
      clockTolerance: leewaySeconds,
      currentDate: new Date(nowMs),
      requiredClaims: ["exp", "sub"],
    });
    return checkClaims(payload as Record<string, unknown>, Math.floor(nowMs / 1000), {
      leewaySeconds,
      maxLifetimeSeconds,
    });
  } catch (error) {
    return { ok: false, reason: describeJoseError(error) };
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "token expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `token refused: ${error.claim} ${error.reason}`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "token refused: alg must be HS256";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "bad token signature";
  return "malformed token";
}

export interface SignOptions {
  secret: string;
  sub: string;
  /** Seconds from now until exp. */
  ttlSeconds: number;
  chats?: number[];
  /** @default Date.now */
  nowMs?: number;
}

/** A signed HS256 token with sub, iat, exp and (when given) chats. */
export async function signUserToken(options: SignOptions): Promise<string> {
  const nowSeconds = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = {};
  if (options.chats !== undefined && options.chats.length > 0) claims.chats = options.chats;
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(options.sub)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + options.ttlSeconds)
    .sign(keyOf(options.secret));
}

/**
 * A duration as `--ttl` takes it: `90`, `90s`, `15m`, `1h`, `7d`; seconds, or null
 * when it is not one.
 */
export function parseDurationSeconds(text: string): number | null {
  const match = /^([0-9]{1,9})([smhd]?)$/.exec(text.trim());
  if (!match) return null;
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2]]!;
  const seconds = Number(match[1]) * unit;
  return seconds >= 1 ? seconds : null;
}
