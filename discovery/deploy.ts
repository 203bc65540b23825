/**
 * Entry point for Deno Deploy: the same Hono app as `main.ts`, served with `Deno.serve` on
 * the KV that `Deno.openKv()` gives without a path (on Deploy, the KV database assigned to
 * the app). Configured by environment only:
 *   DSATTER_CLUSTER_SECRET  required, at least PRODUCTION_MIN_SECRET_CHARS (32): a Deploy
 *                           app is a production start (deploy_settings.ts); no generated
 *                           fallback: there is no shared disk
 *   DSATTER_DISCOVERY_TTL   seconds a node stays listed after its last heartbeat (default 10)
 *   DSATTER_KV_PATH         a KV path for runs outside Deploy (`:memory:` for a throwaway
 *                           one); unset on Deploy, where KV is opened without a path
 *   PORT                    port to listen on when set (local runs); else Deno.serve's default
 *   DENO_DEPLOYMENT_ID      set by Deploy; only logged, to tell deployments apart
 * It needs no node_modules: `discovery/deploy.deno.jsonc` (the bundle's deno.json, see
 * deploy_bundle.ts) maps `hono` to its npm: specifier at the version package.json pins.
 *
 * Invariants: nothing touches KV at import time (it opens on the first request, and a
 * configuration error answers 503 with its reason until the environment is fixed); nothing
 * relies on a long-running process: expiry is swept by open watch streams and by reads (see
 * expiry_sweeper.ts), and every read filters deadlines.
 * @module
 */

import { readDeploySettings } from "./deploy_settings.ts";
import { createDiscovery, type Discovery } from "./app.ts";
import { systemClock } from "../common/clock.ts";
import { createLogger } from "../common/logger.ts";

const logger = createLogger({ json: true });

async function openDiscovery(): Promise<Discovery> {
  const env = (name: string) => Deno.env.get(name);
  const { clusterSecret, ttlSeconds, kvPath } = readDeploySettings(env);
  const kv = await Deno.openKv(kvPath);
  logger.info("discovery ready", {
    deployment: env("DENO_DEPLOYMENT_ID"),
    kv: kvPath ?? "default (Deno.openKv without a path)",
    ttl: ttlSeconds,
  });
  return createDiscovery({ kv, clock: systemClock, config: { clusterSecret, ttlSeconds }, logger });
}

let discovery: Promise<Discovery> | undefined;

/** Serves one request, opening the discovery (KV, configuration) on the first one. */
export async function handleRequest(
  request: Request,
  info: Deno.ServeHandlerInfo<Deno.NetAddr>,
): Promise<Response> {
  discovery ??= openDiscovery();
  let ready: Discovery;
  try {
    ready = await discovery;
  } catch (error) {
    discovery = undefined; // retry on the next request (e.g. after the env is fixed)
    const reason = error instanceof Error ? error.message : String(error);
    logger.error("Cannot start discovery", { reason });
    return Response.json({ error: `discovery is not configured: ${reason}` }, { status: 503 });
  }
  return await ready.app.fetch(request, info);
}

if (import.meta.main) {
  const portText = Deno.env.get("PORT");
  const onListen = ({ hostname, port }: Deno.NetAddr) =>
    console.log(`listening on http://${hostname === "0.0.0.0" ? "127.0.0.1" : hostname}:${port}`);
  if (portText !== undefined && !/^[0-9]{1,5}$/.test(portText)) {
    console.error(`Cannot start discovery: PORT must be a port number, got ${portText}`);
    Deno.exit(2);
  }
  Deno.serve({ ...(portText ? { port: Number(portText) } : {}), onListen }, handleRequest);
}
