/**
 * Who a request speaks for (PROTOCOL.md section 6): the user token from
 * `Authorization: Bearer T` (or, on a WebSocket upgrade, `?token=T`, since
 * browsers cannot set headers there), verified as common/user_token.ts says,
 * turned into an Identity. `--auth off` reads no token at all.
 *
 * Invariant: with `optional` or `required`, a request that carries a token
 * is either that token's user or refused (401): a bad token never degrades to
 * anonymous; with `required`, so is a request without one.
 * @module
 */

import {
  DEFAULT_TOKEN_LEEWAY_SECONDS,
  DEFAULT_TOKEN_MAX_LIFETIME_SECONDS,
  verifyUserToken,
} from "../../common/user_token.ts";
import { ANONYMOUS, type AuthMode, type Identity } from "../core/chat_access.ts";

export interface UserAuthOptions {
  mode: AuthMode;
  /** DSATTER_AUTH_SECRET; required unless mode is off. */
  secret?: string;
  /** @default 30 */
  leewaySeconds?: number;
  /** @default 86400 */
  maxLifetimeSeconds?: number;
  /** Told the name of every valid token's holder (the node remembers token holders). */
  onTokenHolder?: (name: string) => void;
  /** @default Date.now */
  nowMs?: () => number;
}

export type AuthOutcome =
  | {
    ok: true;
    identity: Identity;
    /** When the connection must end (the token's exp plus leeway); absent without a token. */
    validUntilMs?: number;
  }
  | { ok: false; error: string };

export interface UserAuth {
  readonly mode: AuthMode;
  /** Reads and checks the request's token; `allowQueryToken` for WebSocket upgrades. */
  authenticate(request: Request, options?: { allowQueryToken?: boolean }): Promise<AuthOutcome>;
}

/** The 401 answer, with the RFC 6750 challenge. */
export function unauthorized(error: string): Response {
  return Response.json({ error: `Cannot authenticate: ${error}` }, {
    status: 401,
    headers: {
      "cache-control": "no-store",
      "www-authenticate": `Bearer realm="dsatter", error="invalid_token"`,
    },
  });
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)[ ]*$/i;

/** The token a request carries: a string, null when none, or an error for a malformed header. */
export function tokenOf(
  request: Request,
  allowQueryToken: boolean,
): string | null | { error: string } {
  const header = request.headers.get("authorization");
  if (header !== null) {
    const match = BEARER.exec(header);
    return match ? match[1] : { error: "the Authorization header must be `Bearer <token>`" };
  }
  if (!allowQueryToken) return null;
  const token = new URL(request.url).searchParams.get("token");
  return token === null || token === "" ? null : token;
}

export function createUserAuth(options: UserAuthOptions): UserAuth {
  const { mode } = options;
  if (mode !== "off" && !options.secret) {
    throw new TypeError(`Cannot check tokens: --auth ${mode} needs DSATTER_AUTH_SECRET`);
  }
  const nowMs = options.nowMs ?? Date.now;
  return {
    mode,
    async authenticate(request, { allowQueryToken = false } = {}) {
      if (mode === "off") return { ok: true, identity: ANONYMOUS };
      const token = tokenOf(request, allowQueryToken);
      if (token === null) {
        return mode === "required"
          ? { ok: false, error: "a user token is required on this node" }
          : { ok: true, identity: ANONYMOUS };
      }
      if (typeof token !== "string") return { ok: false, error: token.error };
      const check = await verifyUserToken(token, {
        secret: options.secret!,
        leewaySeconds: options.leewaySeconds ?? DEFAULT_TOKEN_LEEWAY_SECONDS,
        maxLifetimeSeconds: options.maxLifetimeSeconds ?? DEFAULT_TOKEN_MAX_LIFETIME_SECONDS,
        nowMs: nowMs(),
      });
      if (!check.ok) return { ok: false, error: check.reason };
      const { sub, chats, validUntilMs } = check.claims;
      options.onTokenHolder?.(sub);
      return {
        ok: true,
        identity: { kind: "user", name: sub, chats: new Set(chats) },
        validUntilMs,
      };
    },
  };
}
