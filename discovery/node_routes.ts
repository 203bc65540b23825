/**
 * The node endpoints of discovery (docs/PROTOCOL.md section 2): register,
 * reclaim, login (the heartbeat) and logout, on the Hono app createDiscovery
 * builds. Each checks, in order, the cluster secret, the body (size, JSON,
 * shape) and, for a known node, its password.
 *
 * Invariant: nothing changes unless every check passed; a refusal is
 * 400/401/413 with `{"error"}` (401 with `WWW-Authenticate`).
 * @module
 */

import type { Context, Hono } from "hono";
import {
  type ActiveNode,
  DISCOVERY_BODY_MAX_BYTES,
  DiscoveryPath,
  type LoginRequest,
  type LoginResponse,
  type Validated,
  validateLoginBody,
  validateLogoutBody,
  validateRegisterBody,
} from "../common/discovery_protocol.ts";
import { readJsonBody } from "../common/json_body.ts";
import type { Logger } from "../common/logger.ts";
import { chooseNodeAddress, normaliseAddress } from "./address.ts";
import { type ExpirySweeper, logMembershipEvent } from "./expiry_sweeper.ts";
import type { DiscoveryMetrics } from "./discovery_metrics.ts";
import type { KvRegistry, MembershipEvent } from "./kv_registry.ts";
import { constantTimeEqualStrings, createPasswordChecker, hashPassword } from "./password_hash.ts";

/** What the serving runtime hands to `fetch` as its second argument (Deno.ServeHandlerInfo). */
export interface DiscoveryEnv {
  Bindings: { remoteAddr?: { hostname?: string } } | undefined;
}

export type DiscoveryContext = Context<DiscoveryEnv>;

/** What the routes share, built once by createDiscovery. */
export interface RouteDeps {
  registry: KvRegistry;
  sweeper: ExpirySweeper;
  logger: Logger;
  clusterSecret: string;
  ttlSeconds: number;
  /** PBKDF2 cost of new node passwords. */
  passwordHashIterations: number;
  metrics: DiscoveryMetrics;
}

/** `{"error"}` with a status; a 401 says how to authenticate. */
export function fail(c: DiscoveryContext, status: 400 | 401 | 404 | 413 | 503, error: string) {
  if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="dsatter"');
  return c.json({ error }, status);
}

/** True when the request carries `Authorization: Bearer <cluster secret>` (constant time). */
export async function hasClusterSecret(
  c: DiscoveryContext,
  clusterSecret: string,
): Promise<boolean> {
  const match = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "");
  return match !== null && await constantTimeEqualStrings(match[1].trim(), clusterSecret);
}

/** Secret, size, JSON and shape, in that order; the typed body or the error response. */
async function readBody<T>(
  c: DiscoveryContext,
  clusterSecret: string,
  validate: (body: unknown) => Validated<T>,
): Promise<{ value: T } | { response: Response }> {
  if (!(await hasClusterSecret(c, clusterSecret))) {
    return { response: fail(c, 401, "missing or wrong cluster secret") };
  }
  const body = await readJsonBody(c.req.raw, DISCOVERY_BODY_MAX_BYTES);
  if (!body.ok) return { response: fail(c, body.status, body.error) };
  const valid = validate(body.value);
  if (!valid.ok) return { response: fail(c, 400, valid.error) };
  return { value: valid.value };
}

/** The live entry a login makes, at the address chosen for it. */
function activeNodeOf(login: LoginRequest, address: string): ActiveNode {
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
  return node;
}

/** Registers register, reclaim, login and logout on the app. */
export function registerNodeRoutes(app: Hono<DiscoveryEnv>, deps: RouteDeps): void {
  const { registry, logger } = deps;
  const passwords = createPasswordChecker();
  const checkNodePassword = async (id: number, password: string): Promise<boolean> => {
    const node = await registry.getNode(id);
    return node !== undefined && await passwords.verify(String(id), password, node.passwordHash);
  };
  const announce = (event: MembershipEvent | undefined) => {
    if (!event) return;
    logMembershipEvent(logger, event);
    deps.metrics.events.labels(event.kind).inc();
  };
  const othersAlive = async (selfId: number): Promise<ActiveNode[]> =>
    (await registry.listActive()).filter((node) => node.id !== selfId);
  const wrongPassword = (c: DiscoveryContext) =>
    fail(c, 401, "unknown node id or wrong node password");

  app.post(DiscoveryPath.register, async (c) => {
    const body = await readBody(c, deps.clusterSecret, validateRegisterBody);
    if ("response" in body) return body.response;
    const hash = await hashPassword(body.value.password, deps.passwordHashIterations);
    const id = await registry.registerNode(hash);
    deps.metrics.registrations.inc();
    logger.info("node registered", { id });
    return c.json({ id });
  });

  // A node whose id this discovery has no record of (its KV was new: `:memory:`, a wiped file)
  // takes that id back instead of being refused forever; the counter moves past it. A known
  // id needs its password, exactly as login does. Cluster secret required, like every write.
  app.post(DiscoveryPath.reclaim, async (c) => {
    const body = await readBody(c, deps.clusterSecret, validateLogoutBody);
    if ("response" in body) return body.response;
    const { id, password } = body.value;
    if (await registry.getNode(id) !== undefined) {
      if (!(await checkNodePassword(id, password))) return wrongPassword(c);
      return c.json({ id, reclaimed: false });
    }
    const hash = await hashPassword(password, deps.passwordHashIterations);
    if (!(await registry.reclaimNode(id, hash))) return wrongPassword(c); // lost a race for it
    logger.info("node reclaimed its id", { id });
    return c.json({ id, reclaimed: true });
  });

  app.post(DiscoveryPath.login, async (c) => {
    const body = await readBody(c, deps.clusterSecret, validateLoginBody);
    if ("response" in body) return body.response;
    const login = body.value;
    if (!(await checkNodePassword(login.id, login.password))) return wrongPassword(c);
    const address = chooseNodeAddress(login.address, c.env?.remoteAddr?.hostname);
    if (address === undefined) {
      return fail(c, 400, "address is required: the request's own address is not usable");
    }
    const node = activeNodeOf(login, address);
    announce(await registry.heartbeat(node));
    deps.metrics.heartbeats.inc();
    void deps.sweeper.sweepIfDue();
    const answer: LoginResponse = {
      id: node.id,
      syncport: node.syncport,
      clientport: node.clientport,
      address: node.address,
      ttl: deps.ttlSeconds,
      activeNodes: await othersAlive(node.id),
    };
    return c.json(answer);
  });

  app.post(DiscoveryPath.logout, async (c) => {
    const body = await readBody(c, deps.clusterSecret, validateLogoutBody);
    if ("response" in body) return body.response;
    const { id, password } = body.value;
    if (!(await checkNodePassword(id, password))) return wrongPassword(c);
    announce(await registry.logout(id));
    return c.json({ activeNodes: await othersAlive(id) });
  });
}
