/**
 * What the node's port answers before the node can serve: a node in discovery
 * mode with no stored id waits for discovery to register it, and meanwhile its
 * port already answers probes. `/healthz` 200 (alive, `nodeId: null`,
 * `"starting": true`), `/readyz` 503, everything else 503 with Retry-After.
 * The real server takes the same port once the id is known.
 *
 * Invariant: nothing here touches the store or accepts a WebSocket; stop()
 * frees the port before the real listener binds it.
 * @module
 */

import { readyzResponse } from "../process/readiness.ts";
import type { ServeTls } from "./bun_transport.ts";

export interface StartingListener {
  /** The bound port (the real one for port 0). */
  readonly port: number;
  stop(): Promise<void>;
}

const NO_STORE = { "cache-control": "no-store" };

/** The answer of a starting node to any request. */
export function startingResponse(request: Request, reason: string): Response {
  const path = new URL(request.url).pathname;
  if (path === "/healthz") {
    return Response.json({ ok: true, nodeId: null, peers: 0, clients: 0, starting: true }, {
      headers: NO_STORE,
    });
  }
  if (path === "/readyz") return readyzResponse("starting");
  return Response.json({ error: `Cannot serve yet: ${reason}` }, {
    status: 503,
    headers: { ...NO_STORE, "retry-after": "1" },
  });
}

export function startStartingListener(
  options: { hostname: string; port: number; tls?: ServeTls; reason: string },
): StartingListener {
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    reusePort: false,
    development: false,
    tls: options.tls,
    fetch: (request) => startingResponse(request, options.reason),
  });
  return {
    port: server.port!,
    stop: () => server.stop(true),
  };
}
