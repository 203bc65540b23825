/**
 * The backbone's stream settings from the environment, read once here so the
 * backbone itself never looks at it: `DSATTER_BACKBONE_MAX_AGE_S` (how long the
 * stream keeps a message; a node away longer catches up from peers' stores)
 * and `DSATTER_BACKBONE_REPLICAS` (JetStream replicas of the stream; default:
 * one per listed server, at most 3).
 *
 * Invariant: a value that is not a positive safe integer counts as unset;
 * replicas are always 1..5 (JetStream's limit).
 * @module
 */

export interface BackboneSettings {
  /** Stream retention. @default 7 days */
  maxAgeMs: number;
  /** Stream replicas. @default min(3, servers listed in --backbone) */
  replicas: number;
}

export const DEFAULT_BACKBONE_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export function backboneSettingsFromEnv(
  env: (name: string) => string | undefined,
  serverCount: number,
): BackboneSettings {
  const maxAgeSeconds = positiveInt(env("DSATTER_BACKBONE_MAX_AGE_S"));
  const replicas = positiveInt(env("DSATTER_BACKBONE_REPLICAS")) ?? Math.min(3, serverCount);
  return {
    maxAgeMs: maxAgeSeconds ? maxAgeSeconds * 1000 : DEFAULT_BACKBONE_MAX_AGE_MS,
    replicas: Math.max(1, Math.min(5, replicas)),
  };
}

function positiveInt(text: string | undefined): number | undefined {
  const value = Number(text);
  return text && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
