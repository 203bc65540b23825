/**
 * The secret that signs and verifies user tokens, `DSATTER_AUTH_SECRET` (PROTOCOL.md
 * section 6): not the cluster secret, so that the people who mint user tokens
 * need no power over the mesh. A node whose `--auth` is not off, and
 * `deno task token`, refuse to run without it; none is generated (a generated
 * one would let a node start that no token can reach). Runtime-neutral: the
 * environment is injected.
 *
 * Invariant: a returned secret is non-empty; in production it has at least
 * AUTH_SECRET_MIN_CHARS characters (HS256 wants a 256-bit key), elsewhere a
 * shorter one only gets a warning.
 * @module
 */

export const AUTH_SECRET_ENV = "DSATTER_AUTH_SECRET";
/** 32 characters: at least 256 bits once random, what RFC 7518 asks of an HS256 key. */
export const AUTH_SECRET_MIN_CHARS = 32;

export type AuthSecretResult =
  | { ok: true; secret?: string; warning?: string }
  | { ok: false; error: string };

/** The auth secret for a node in `mode` (none needed when off), or the one-line refusal. */
export function authSecretFromEnv(
  mode: "off" | "optional" | "required",
  env: (name: string) => string | undefined,
  production: boolean,
): AuthSecretResult {
  if (mode === "off") return { ok: true };
  return readAuthSecret(env, production, `--auth ${mode}`);
}

/** The auth secret, required (`who` says who needs it in the error). */
export function readAuthSecret(
  env: (name: string) => string | undefined,
  production: boolean,
  who: string,
): AuthSecretResult {
  const secret = env(AUTH_SECRET_ENV)?.trim();
  if (!secret) {
    return {
      ok: false,
      error: `Cannot start: ${who} needs ${AUTH_SECRET_ENV} (the secret that signs user tokens)`,
    };
  }
  if (secret.length >= AUTH_SECRET_MIN_CHARS) return { ok: true, secret };
  const short = `${AUTH_SECRET_ENV} is shorter than ${AUTH_SECRET_MIN_CHARS} characters`;
  if (production) return { ok: false, error: `Cannot start: ${short}: tokens could be forged` };
  return { ok: true, secret, warning: `${short}: easy to guess` };
}
