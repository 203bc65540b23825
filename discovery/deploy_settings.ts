/**
 * The Deno Deploy entry's settings (discovery/deploy.ts), read from the environment
 * alone. A Deploy app is a production start, so the cluster secret obeys production's
 * rule (common/production_policy.ts: set, at least PRODUCTION_MIN_SECRET_CHARS), the
 * same rule `DSATTER_ENV=production` nodes and discovery apply.
 *
 * Invariant: pure (reads only the env function it is given); a setting that is wrong
 * throws one error naming the variable (for the secret, production's own line).
 * @module
 */

import { DEFAULT_DISCOVERY_TTL_SECONDS } from "../common/discovery_protocol.ts";
import { clusterSecretRefusal } from "../common/production_policy.ts";

export interface DeploySettings {
  clusterSecret: string;
  ttlSeconds: number;
  /** A KV path for runs outside Deploy; undefined: `Deno.openKv()` without a path. */
  kvPath?: string;
}

/** The settings, or throws with the reason the entry answers 503 with. */
export function readDeploySettings(env: (name: string) => string | undefined): DeploySettings {
  const clusterSecret = env("DSATTER_CLUSTER_SECRET") ?? "";
  const refusal = clusterSecretRefusal(clusterSecret);
  if (refusal) throw new Error(refusal);
  const ttlText = env("DSATTER_DISCOVERY_TTL");
  const ttlSeconds = ttlText ? Number(ttlText) : DEFAULT_DISCOVERY_TTL_SECONDS;
  if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) {
    throw new Error(`DSATTER_DISCOVERY_TTL must be a positive number of seconds, got ${ttlText}`);
  }
  return { clusterSecret, ttlSeconds, kvPath: env("DSATTER_KV_PATH") || undefined };
}
