/**
 * What a production start (DSATTER_ENV=production) refuses: settings that
 * would put the cluster secret or the chat on the wire in clear, or that
 * acknowledge messages without keeping them. Each rule gives one line; a
 * start prints every line that applies and exits 1 (common/exit_code.ts).
 * Plain HTTP beyond loopback stays possible in production with `--insecure`
 * (a private container network), said out loud on the command line.
 *
 * Invariant: rules only read the settings they are given (pure); a rule that
 * does not apply to a program looks at fields that program leaves undefined.
 * @module
 */

import { isLoopbackHost } from "./host_address.ts";
import { AUTH_SECRET_ENV, AUTH_SECRET_MIN_CHARS } from "./auth_secret.ts";

/** The shortest cluster secret a production start accepts (32 hex digits = 128 bits). */
export const PRODUCTION_MIN_SECRET_CHARS = 32;

export interface ProductionSettings {
  /** The resolved cluster secret ("" when none). */
  secret: string;
  /** The interface served on (`--host`). */
  bindHost: string;
  /** `--tls-cert`/`--tls-key` given. */
  tls: boolean;
  /** `--insecure` given. */
  insecure: boolean;
  /** A node in discovery mode: the discovery URL it uses. */
  discoveryUrl?: string;
  /** A node in `--peers` mode: the peer URLs. */
  peerUrls?: readonly string[];
  /** The store: `--db` of a node, `--kv` of discovery. */
  storePath?: string;
  /** `--auth` (PROTOCOL.md section 6) as it applies (production's default: required). */
  authMode?: string;
  /** The environment, for rules that read more than flags. */
  env: (name: string) => string | undefined;
}

/** One refusal line, or undefined when the rule is satisfied. */
export type ProductionRule = (settings: ProductionSettings) => string | undefined;

const REFUSE = "Cannot start in production:";

function plainBeyondLoopback(url: string): boolean {
  try {
    const parsed = new URL(url);
    const plain = parsed.protocol === "http:" || parsed.protocol === "ws:";
    return plain && !isLoopbackHost(parsed.hostname);
  } catch {
    return false;
  }
}

/**
 * The cluster secret rule on its own, for starts that have no other production settings
 * (the Deno Deploy entry, discovery/deploy.ts): one line when the secret is missing or
 * shorter than PRODUCTION_MIN_SECRET_CHARS, else undefined.
 */
export function clusterSecretRefusal(secret: string): string | undefined {
  if (secret.length === 0) return `${REFUSE} DSATTER_CLUSTER_SECRET is not set`;
  return secret.length < PRODUCTION_MIN_SECRET_CHARS
    ? `${REFUSE} DSATTER_CLUSTER_SECRET has ${secret.length} characters, fewer than ${PRODUCTION_MIN_SECRET_CHARS} (make one with: openssl rand -hex 32)`
    : undefined;
}

export const PRODUCTION_RULES: readonly ProductionRule[] = [
  ({ secret }) => clusterSecretRefusal(secret),
  ({ discoveryUrl, insecure }) =>
    discoveryUrl && !insecure && plainBeyondLoopback(discoveryUrl)
      ? `${REFUSE} --discovery ${discoveryUrl} is plain HTTP beyond this machine (the cluster secret would cross the network in clear); use https:// or pass --insecure`
      : undefined,
  ({ peerUrls, insecure }) => {
    const plain = insecure ? undefined : peerUrls?.find(plainBeyondLoopback);
    return plain
      ? `${REFUSE} peer ${plain} is plain ws:// beyond this machine; use wss:// (https://) or pass --insecure`
      : undefined;
  },
  ({ bindHost, tls, insecure }) =>
    !tls && !insecure && !isLoopbackHost(bindHost)
      ? `${REFUSE} serving plain HTTP on ${bindHost} (beyond loopback) without --tls-cert/--tls-key; add TLS, bind 127.0.0.1 behind a TLS proxy, or pass --insecure on a private network`
      : undefined,
  ({ storePath }) =>
    storePath === ":memory:"
      ? `${REFUSE} the store is :memory:, so nothing would survive a restart; give a file path`
      : undefined,
  // User tokens (PROTOCOL.md section 6): a mode that verifies them needs a strong key.
  ({ authMode, env }) => {
    if (authMode === undefined || authMode === "off") return undefined;
    const key = env(AUTH_SECRET_ENV)?.trim() ?? "";
    if (key.length === 0) {
      return `${REFUSE} --auth ${authMode} needs ${AUTH_SECRET_ENV} (the secret that signs user tokens)`;
    }
    return key.length < AUTH_SECRET_MIN_CHARS
      ? `${REFUSE} ${AUTH_SECRET_ENV} has ${key.length} characters, fewer than ${AUTH_SECRET_MIN_CHARS}: tokens could be forged`
      : undefined;
  },
];

/** Every refusal line that applies (empty: the settings may run in production). */
export function productionRefusals(
  settings: ProductionSettings,
  rules: readonly ProductionRule[] = PRODUCTION_RULES,
): string[] {
  return rules.map((rule) => rule(settings)).filter((line): line is string => !!line);
}
