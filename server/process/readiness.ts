/**
 * The node's readiness, for `GET /readyz` (PROTOCOL.md section 8): starting
 * (no id yet, or the store not open), serving, or draining after SIGTERM.
 * `/healthz` is liveness and answers in every phase; `/readyz` is 200 only
 * while serving, so a load balancer stops sending clients before the node
 * closes them.
 *
 * Invariant: the phase only moves forward: starting -> serving -> draining.
 * @module
 */

export type ReadinessPhase = "starting" | "serving" | "draining";

export interface Readiness {
  phase(): ReadinessPhase;
  /** The id is known and the store open: ready for clients. */
  markServing(): void;
  /** SIGTERM: not ready any more, while connections are still served. */
  markDraining(): void;
}

const ORDER: ReadinessPhase[] = ["starting", "serving", "draining"];

export function createReadiness(): Readiness {
  let current: ReadinessPhase = "starting";
  const advance = (next: ReadinessPhase) => {
    if (ORDER.indexOf(next) > ORDER.indexOf(current)) current = next;
  };
  return {
    phase: () => current,
    markServing: () => advance("serving"),
    markDraining: () => advance("draining"),
  };
}

/** The `/readyz` answer for a phase: 200 `{ready:true}` or 503 `{ready:false, phase}`. */
export function readyzResponse(phase: ReadinessPhase): Response {
  const ready = phase === "serving";
  return Response.json(ready ? { ready: true } : { ready: false, phase }, {
    status: ready ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
}
