/**
 * The discovery's HTTP surface (docs/PROTOCOL.md section 2, plus the watch
 * stream of docs/ARCHITECTURE.md) as a Hono app over a KV registry. Pure wiring:
 * no flags, no listening, no global state, so tests drive it with `app.request()`
 * on an in-memory KV and `main.ts` / `deploy.ts` serve the very same app.
 *
 * Invariants: a write endpoint changes nothing unless the cluster secret and, for
 * node calls, the node password check out; client mistakes get 400/401/404/413
 * with `{"error"}`, never a 500.
 * @module
 */

import { Hono, type MiddlewareHandler } from "hono";
import { DEFAULT_DISCOVERY_TTL_SECONDS, DiscoveryPath } from "../common/discovery_protocol.ts";
import type { BuildInfo } from "../common/build_info.ts";
import type { Clock } from "../common/clock.ts";
import { type Logger, silentLogger } from "../common/logger.ts";
import { rankNodesForClients } from "./client_ranking.ts";
import {
  type DiscoveryMetrics,
  MetricsRegistry,
  registerDiscoveryMetrics,
} from "./discovery_metrics.ts";
import { createExpirySweeper, type ExpirySweeper } from "./expiry_sweeper.ts";
import { createKvRegistry, type KvRegistry } from "./kv_registry.ts";
import {
  type DiscoveryEnv,
  fail,
  hasClusterSecret,
  registerNodeRoutes,
  type RouteDeps,
} from "./node_routes.ts";
import { addOperatorRoutes } from "./operator_routes.ts";
import { DEFAULT_PASSWORD_HASH_ITERATIONS } from "./password_hash.ts";
import { createWatchStream } from "./watch_stream.ts";

export type { DiscoveryEnv } from "./node_routes.ts";

export interface DiscoveryConfig {
  /** The shared cluster secret the write endpoints demand as a Bearer token. */
  clusterSecret: string;
  /** Seconds a node stays listed after its last heartbeat. @default 10 */
  ttlSeconds?: number;
  /** PBKDF2 cost of node passwords. @default DEFAULT_PASSWORD_HASH_ITERATIONS (100,000) */
  passwordHashIterations?: number;
  /** How often expired entries are swept into `expired` events. @default min(1000, ttl/4) */
  sweepIntervalMs?: number;
  /** Comment line on idle watch streams. @default 15000 */
  keepaliveIntervalMs?: number;
  /** How long membership events stay replayable. @default 600000 */
  eventRetentionMs?: number;
}

export interface CreateAppOptions {
  kv: Deno.Kv;
  clock: Clock;
  config: DiscoveryConfig;
  /** @default silentLogger */
  logger?: Logger;
  /** Aborting it ends every open watch stream (graceful shutdown). */
  signal?: AbortSignal;
  /** False once draining on SIGTERM: `/readyz` answers 503. @default always true */
  serving?: () => boolean;
  /** Version facts for `dsatter_build_info`. */
  build?: BuildInfo;
}

export interface Discovery {
  app: Hono<DiscoveryEnv>;
  registry: KvRegistry;
  sweeper: ExpirySweeper;
  ttlSeconds: number;
}

function checkConfig(config: DiscoveryConfig): number {
  const ttlSeconds = config.ttlSeconds ?? DEFAULT_DISCOVERY_TTL_SECONDS;
  if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) {
    throw new RangeError(`Cannot start discovery: ttl must be a positive number of seconds`);
  }
  if (typeof config.clusterSecret !== "string" || config.clusterSecret.length === 0) {
    throw new TypeError("Cannot start discovery: the cluster secret is empty");
  }
  return ttlSeconds;
}

/** One debug line per request (with --verbose) and the requests counter. */
function requestLog(logger: Logger, metrics: DiscoveryMetrics): MiddlewareHandler<DiscoveryEnv> {
  return async function requestLog(c, next) {
    const startMs = performance.now();
    await next();
    metrics.requests.labels(String(c.res.status)).inc();
    const ms = Math.round(performance.now() - startMs);
    logger.debug("request", { method: c.req.method, path: c.req.path, status: c.res.status, ms });
  };
}

/** The reads: health, the live lists, and the watch stream. */
function registerReadRoutes(
  app: Hono<DiscoveryEnv>,
  deps: RouteDeps & { config: DiscoveryConfig; signal?: AbortSignal; sweepIntervalMs: number },
): void {
  const { registry, sweeper } = deps;
  app.get(DiscoveryPath.health, (c) => c.json({ ok: true }));

  app.get(DiscoveryPath.active, async (c) => {
    void sweeper.sweepIfDue();
    return c.json({ activeNodes: await registry.listActive() });
  });

  app.get(DiscoveryPath.clients, async (c) => {
    void sweeper.sweepIfDue();
    const region = c.req.query("region") || undefined;
    return c.json({ activeNodes: rankNodesForClients(await registry.listActive(), { region }) });
  });

  // Membership changes as they happen are for nodes only: the Bearer cluster secret, like writes.
  app.get(DiscoveryPath.watch, async (c) => {
    if (!(await hasClusterSecret(c, deps.config.clusterSecret))) {
      return fail(c, 401, "missing or wrong cluster secret");
    }
    const stream = createWatchStream({
      registry,
      sweeper,
      logger: deps.logger,
      signal: deps.signal ? AbortSignal.any([c.req.raw.signal, deps.signal]) : c.req.raw.signal,
      keepaliveIntervalMs: deps.config.keepaliveIntervalMs,
      sweepNudgeIntervalMs: deps.sweepIntervalMs,
    });
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  });
}

/** The registry, sweeper and Hono app, wired; `main.ts` also runs `sweeper.run`. */
export function createDiscovery(options: CreateAppOptions): Discovery {
  const { kv, clock, config } = options;
  const logger = options.logger ?? silentLogger;
  const ttlSeconds = checkConfig(config);
  const ttlMs = ttlSeconds * 1000;
  const sweepIntervalMs = config.sweepIntervalMs ?? Math.min(1000, ttlMs / 4);
  const registry = createKvRegistry({
    kv,
    clock,
    ttlMs,
    eventRetentionMs: config.eventRetentionMs,
  });
  const metricsRegistry = new MetricsRegistry();
  const metrics = registerDiscoveryMetrics(metricsRegistry, options.build);
  const sweeper = createExpirySweeper({
    registry,
    clock,
    logger,
    intervalMs: sweepIntervalMs,
    onEvent: (event) => metrics.events.labels(event.kind).inc(),
  });
  const deps: RouteDeps = {
    registry,
    sweeper,
    logger,
    clusterSecret: config.clusterSecret,
    ttlSeconds,
    passwordHashIterations: config.passwordHashIterations ?? DEFAULT_PASSWORD_HASH_ITERATIONS,
    metrics,
  };

  const app = new Hono<DiscoveryEnv>();
  app.use(requestLog(logger, metrics));
  registerReadRoutes(app, { ...deps, config, signal: options.signal, sweepIntervalMs });
  registerNodeRoutes(app, deps);
  addOperatorRoutes(app, { registry, kv, metricsRegistry, metrics, serving: options.serving });
  app.notFound((c) => fail(c, 404, `no route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    logger.error("Cannot answer a request", {
      method: c.req.method,
      path: c.req.path,
      reason: String(error),
    });
    return fail(c, 503, "discovery is temporarily unable to answer; retry");
  });
  return { app, registry, sweeper, ttlSeconds };
}

/** The Hono app alone (the seam docs/ARCHITECTURE.md names). */
export function createApp(options: CreateAppOptions): Hono<DiscoveryEnv> {
  return createDiscovery(options).app;
}
