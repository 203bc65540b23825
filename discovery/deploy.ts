/**
 * Entry point for Deno Deploy (and `deno serve`): the same Hono app as
 * `main.ts`, on the KV that `Deno.openKv()` gives without a path (the managed,
 * replicated KV on Deploy; a local default file under `deno serve`). Configured by
 * environment only: DSATTER_CLUSTER_SECRET (required, no generated fallback: there
 * is no shared disk there) and DSATTER_DISCOVERY_TTL (seconds, default 10).
 *
 * Invariants: nothing runs at import time (KV opens on the first request), and
 * nothing here relies on a long-running process: expiry is swept by open watch
 * streams and by reads (see expiry_sweeper.ts), and every read filters deadlines.
 * @module
 */

import { DEFAULT_DISCOVERY_TTL_SECONDS } from "../common/discovery_protocol.ts";
import { MIN_SECRET_CHARS } from "../common/cluster_secret.ts";
import { createDiscovery, type Discovery } from "./app.ts";
import { systemClock } from "./clock.ts";
import { createConsoleLogger } from "./logger.ts";

async function openDiscovery(): Promise<Discovery> {
  const clusterSecret = Deno.env.get("DSATTER_CLUSTER_SECRET") ?? "";
  if (clusterSecret.length < MIN_SECRET_CHARS) {
    throw new Error(
      `DSATTER_CLUSTER_SECRET must be set to at least ${MIN_SECRET_CHARS} characters`,
    );
  }
  const ttlText = Deno.env.get("DSATTER_DISCOVERY_TTL");
  const ttlSeconds = ttlText ? Number(ttlText) : DEFAULT_DISCOVERY_TTL_SECONDS;
  const kv = await Deno.openKv();
  return createDiscovery({
    kv,
    clock: systemClock,
    config: { clusterSecret, ttlSeconds },
    logger: createConsoleLogger({ json: true }),
  });
}

let discovery: Promise<Discovery> | undefined;

export default {
  async fetch(request, info) {
    discovery ??= openDiscovery();
    let ready: Discovery;
    try {
      ready = await discovery;
    } catch (error) {
      discovery = undefined; // retry on the next request (e.g. after the env is fixed)
      const reason = error instanceof Error ? error.message : String(error);
      console.error(`Cannot start discovery: ${reason}`);
      return Response.json({ error: `discovery is not configured: ${reason}` }, { status: 503 });
    }
    return await ready.app.fetch(request, info);
  },
} satisfies Deno.ServeDefaultExport;
