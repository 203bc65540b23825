/**
 * The mesh's timing knobs from the environment: `DSATTER_SYNC_INTERVAL_MS` (the
 * anti-entropy period) and `DSATTER_PEER_TIMEOUT_MS` (a silent peer link is closed
 * after it). Tests shorten both to see convergence and failure quickly; read here,
 * once, so the mesh itself never looks at the environment.
 *
 * Invariant: a value that is not a positive safe integer counts as unset.
 * @module
 */

export interface MeshTiming {
  /** Anti-entropy period; undefined: the mesh's default. */
  syncIntervalMs?: number;
  /** A link silent this long is closed; undefined: the mesh's default. */
  peerTimeoutMs?: number;
}

/** The mesh timing set in env (unset or invalid values left undefined). */
export function meshTimingFromEnv(env: (name: string) => string | undefined): MeshTiming {
  return {
    syncIntervalMs: positiveInt(env("DSATTER_SYNC_INTERVAL_MS")),
    peerTimeoutMs: positiveInt(env("DSATTER_PEER_TIMEOUT_MS")),
  };
}

function positiveInt(text: string | undefined): number | undefined {
  const value = Number(text);
  return text && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
