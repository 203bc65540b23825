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

import { Hono } from "hono";
import type { Context } from "hono";
import {
  type ActiveNode,
  DEFAULT_DISCOVERY_TTL_SECONDS,
  DISCOVERY_BODY_MAX_BYTES,
  DiscoveryPath,
  type LoginResponse,
  type Validated,
  validateLoginBody,
  validateLogoutBody,
  validateRegisterBody,
} from "../common/discovery_protocol.ts";
import type { BuildInfo } from "../common/build_info.ts";
import { chooseNodeAddress, normaliseAddress } from "./address.ts";
import { rankNodesForClients } from "./client_ranking.ts";
import type { Clock } from "../common/clock.ts";
import { createExpirySweeper, type ExpirySweeper, logMembershipEvent } from "./expiry_sweeper.ts";
import { MetricsRegistry, registerDiscoveryMetrics } from "./discovery_metrics.ts";
import { readJsonBody } from "../common/json_body.ts";
import { createKvRegistry, type KvRegistry, type MembershipEvent } from "./kv_registry.ts";
import { type Logger, silentLogger } from "../common/logger.ts";
import {
  constantTimeEqualStrings,
  createPasswordChecker,
  DEFAULT_PASSWORD_HASH_ITERATIONS,
  hashPassword,
} from "./password_hash.ts";
import { addOperatorRoutes } from "./operator_routes.ts";
import { createWatchStream } from "./watch_stream.ts";

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

/** What the serving runtime hands to `fetch` as its second argument (Deno.ServeHandlerInfo). */
export interface DiscoveryEnv {
  Bindings: { remoteAddr?: { hostname?: string } } | undefined;
}

type DiscoveryContext = Context<DiscoveryEnv>;

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

/** The registry, sweeper and Hono app, wired; `main.ts` also runs `sweeper.run`. */
export function createDiscovery(options: CreateAppOptions): Discovery {
  const { kv, clock, config } = options;
  const logger = options.logger ?? silentLogger;
  const ttlSeconds = checkConfig(config);
  const ttlMs = ttlSeconds * 1000;
  const iterations = config.passwordHashIterations ?? DEFAULT_PASSWORD_HASH_ITERATIONS;
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
    intervalMs: config.sweepIntervalMs ?? Math.min(1000, ttlMs / 4),
    onEvent: (event) => metrics.events.labels(event.kind).inc(),
  });
  const passwords = createPasswordChecker();

  const app = new Hono<DiscoveryEnv>();

  function fail(c: DiscoveryContext, status: 400 | 401 | 404 | 413 | 503, error: string) {
    if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="dsatter"');
    return c.json({ error }, status);
  }

  async function hasClusterSecret(c: DiscoveryContext): Promise<boolean> {
    const match = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "");
    return match !== null && await constantTimeEqualStrings(match[1].trim(), config.clusterSecret);
  }

  /** Secret, size, JSON and shape, in that order; the typed body or the error response. */
  async function readBody<T>(
    c: DiscoveryContext,
    validate: (body: unknown) => Validated<T>,
  ): Promise<{ value: T } | { response: Response }> {
    if (!(await hasClusterSecret(c))) {
      return { response: fail(c, 401, "missing or wrong cluster secret") };
    }
    const body = await readJsonBody(c.req.raw, DISCOVERY_BODY_MAX_BYTES);
    if (!body.ok) return { response: fail(c, body.status, body.error) };
    const valid = validate(body.value);
    if (!valid.ok) return { response: fail(c, 400, valid.error) };
    return { value: valid.value };
  }

  async function checkNodePassword(id: number, password: string): Promise<boolean> {
    const node = await registry.getNode(id);
    return node !== undefined && await passwords.verify(String(id), password, node.passwordHash);
  }

  function announce(event: MembershipEvent | undefined) {
    if (!event) return;
    logMembershipEvent(logger, event);
    metrics.events.labels(event.kind).inc();
  }

  async function othersAlive(selfId: number): Promise<ActiveNode[]> {
    return (await registry.listActive()).filter((node) => node.id !== selfId);
  }

  app.use(async (c, next) => {
    const startMs = performance.now();
    await next();
    metrics.requests.labels(String(c.res.status)).inc();
    const ms = Math.round(performance.now() - startMs);
    logger.debug("request", { method: c.req.method, path: c.req.path, status: c.res.status, ms });
  });

  app.get(DiscoveryPath.health, (c) => c.json({ ok: true }));

  app.post(DiscoveryPath.register, async (c) => {
    const body = await readBody(c, validateRegisterBody);
    if ("response" in body) return body.response;
    const id = await registry.registerNode(await hashPassword(body.value.password, iterations));
    metrics.registrations.inc();
    logger.info("node registered", { id });
    return c.json({ id });
  });

  // A node whose id this discovery has no record of (its KV was new: `:memory:`, a wiped file)
  // takes that id back instead of being refused forever; the counter moves past it. A known
  // id needs its password, exactly as login does. Cluster secret required, like every write.
  app.post(DiscoveryPath.reclaim, async (c) => {
    const body = await readBody(c, validateLogoutBody);
    if ("response" in body) return body.response;
    const { id, password } = body.value;
    if (await registry.getNode(id) !== undefined) {
      if (!(await checkNodePassword(id, password))) {
        return fail(c, 401, "unknown node id or wrong node password");
      }
      return c.json({ id, reclaimed: false });
    }
    if (!(await registry.reclaimNode(id, await hashPassword(password, iterations)))) {
      return fail(c, 401, "unknown node id or wrong node password"); // lost a race for that id
    }
    logger.info("node reclaimed its id", { id });
    return c.json({ id, reclaimed: true });
  });

  app.post(DiscoveryPath.login, async (c) => {
    const body = await readBody(c, validateLoginBody);
    if ("response" in body) return body.response;
    const login = body.value;
    if (!(await checkNodePassword(login.id, login.password))) {
      return fail(c, 401, "unknown node id or wrong node password");
    }
    const address = chooseNodeAddress(login.address, c.env?.remoteAddr?.hostname);
    if (address === undefined) {
      return fail(c, 400, "address is required: the request's own address is not usable");
    }
    const node: ActiveNode = {
      id: login.id,
      address,
      syncport: login.syncport,
      clientport: login.clientport,
      load: login.load ?? 0,
    };
    // A peer address that cannot be dialled (0.0.0.0, ::) is dropped: peers use `address`.
    const syncaddress = login.syncaddress && normaliseAddress(login.syncaddress);
    if (syncaddress && syncaddress !== address) node.syncaddress = syncaddress;
    if (login.region !== undefined) node.region = login.region;
    if (login.tls === true) node.tls = true;
    if (login.transport !== undefined) node.transport = login.transport;
    announce(await registry.heartbeat(node));
    metrics.heartbeats.inc();
    void sweeper.sweepIfDue();
    const answer: LoginResponse = {
      id: node.id,
      syncport: node.syncport,
      clientport: node.clientport,
      address: node.address,
      ttl: ttlSeconds,
      activeNodes: await othersAlive(node.id),
    };
    return c.json(answer);
  });

  app.post(DiscoveryPath.logout, async (c) => {
    const body = await readBody(c, validateLogoutBody);
    if ("response" in body) return body.response;
    const { id, password } = body.value;
    if (!(await checkNodePassword(id, password))) {
      return fail(c, 401, "unknown node id or wrong node password");
    }
    announce(await registry.logout(id));
    return c.json({ activeNodes: await othersAlive(id) });
  });

  app.get(DiscoveryPath.active, async (c) => {
    void sweeper.sweepIfDue();
    return c.json({ activeNodes: await registry.listActive() });
  });

  app.get(DiscoveryPath.clients, async (c) => {
    void sweeper.sweepIfDue();
    const region = c.req.query("region") || undefined;
    return c.json({ activeNodes: rankNodesForClients(await registry.listActive(), { region }) });
  });

  app.get(DiscoveryPath.watch, (c) => {
    const stream = createWatchStream({
      registry,
      sweeper,
      logger,
      signal: options.signal
        ? AbortSignal.any([c.req.raw.signal, options.signal])
        : c.req.raw.signal,
      keepaliveIntervalMs: config.keepaliveIntervalMs,
      sweepNudgeIntervalMs: config.sweepIntervalMs ?? Math.min(1000, ttlMs / 4),
    });
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  });

  addOperatorRoutes(app, {
    registry,
    kv,
    metricsRegistry,
    metrics,
    serving: options.serving,
  });

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
