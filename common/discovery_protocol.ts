/**
 * The discovery REST and watch-stream contract as types and body validators
 * (docs/PROTOCOL.md section 2, docs/ARCHITECTURE.md "Discovery <-> node").
 * Runtime-neutral and pure: the Deno discovery validates requests with it and the
 * Bun node imports the same types to talk to it.
 *
 * Invariant: a validator either returns a value whose every field has the type
 * written here, or a one-sentence reason; it never throws and never trusts input.
 * @module
 */

import { charLength, isWellFormedText } from "./client_frame_validation.ts";
import { hostKind } from "./host_address.ts";

/** The contract's paths, in one place. */
export const DiscoveryPath = {
  register: "/api/nodes/register",
  /** Extension: a node whose id this discovery forgot (a new KV) takes it back. */
  reclaim: "/api/nodes/reclaim",
  login: "/api/nodes/active/login",
  logout: "/api/nodes/active/logout",
  active: "/api/nodes/active",
  watch: "/api/nodes/watch",
  clients: "/api/clients",
  health: "/healthz",
} as const;

/** Seconds a node stays listed after its last heartbeat, unless `--ttl` says otherwise. */
export const DEFAULT_DISCOVERY_TTL_SECONDS = 10;
/** A request body larger than this gets 413. */
export const DISCOVERY_BODY_MAX_BYTES = 16 * 1024;
export const NODE_PASSWORD_MAX_CHARS = 1024;
export const ADDRESS_MAX_CHARS = 255;
export const REGION_MAX_CHARS = 64;

/**
 * How a node replicates: `mesh` (WebSocket links to every peer, the default) or `nats`
 * (a NATS JetStream backbone, `--backbone`). A cluster runs one of them; nodes use this
 * extension field of login and the active lists to refuse a mixed cluster.
 */
export const REPLICATION_TRANSPORTS = ["mesh", "nats"] as const;
export type ReplicationTransport = typeof REPLICATION_TRANSPORTS[number];

function isReplicationTransport(value: unknown): value is ReplicationTransport {
  return REPLICATION_TRANSPORTS.includes(value as ReplicationTransport);
}
export const LOAD_MAX = 1_000_000_000;

/** How often a node must heartbeat for a given TTL: a third of it (three chances per TTL). */
export function heartbeatIntervalMs(ttlSeconds: number): number {
  return Math.max(100, Math.floor((ttlSeconds * 1000) / 3));
}

export interface RegisterRequest {
  password: string;
}

export interface RegisterResponse {
  /** Unique forever. */
  id: number;
}

/** Login and heartbeat are the same call. */
export interface LoginRequest {
  id: number;
  password: string;
  syncport: number;
  clientport: number;
  /** The address clients and peers should dial; defaults to the request's peer address. */
  address?: string;
  /**
   * Extension: the address peers dial (with `syncport`) when it differs from the one clients
   * use, e.g. a container whose port is published on the host's loopback (docs/OPERATIONS.md).
   */
  syncaddress?: string;
  /** Connected clients, reported with each heartbeat. */
  load?: number;
  /** Free-form region label used to rank `GET /api/clients?region=`. */
  region?: string;
  /** The node serves https:// and wss:// (`--tls-cert`): peers and clients dial it with TLS. */
  tls?: boolean;
  /** Extension: how this node replicates (absent: `mesh`). */
  transport?: ReplicationTransport;
}

export interface LogoutRequest {
  id: number;
  password: string;
}

/** One live node as every list and watch event shows it. */
export interface ActiveNode {
  id: number;
  address: string;
  syncport: number;
  clientport: number;
  /** Where peers dial `syncport` when not at `address` (absent: at `address`). */
  syncaddress?: string;
  load: number;
  region?: string;
  /** Present (and true) only for a node that serves TLS: dial `wss://`, `https://`. */
  tls?: true;
  /** How it replicates; absent means `mesh` (nodes that predate the field). */
  transport?: ReplicationTransport;
}

export interface LoginResponse {
  id: number;
  syncport: number;
  clientport: number;
  address: string;
  /** Seconds; heartbeat at least every ttl/3. */
  ttl: number;
  /** The other live nodes (never the caller). */
  activeNodes: ActiveNode[];
}

export interface ActiveNodesResponse {
  activeNodes: ActiveNode[];
}

/** Exactly these two keys, in this order (the original clients' shape). */
export interface ClientEntry {
  address: string;
  clientport: number;
}

export interface ClientsResponse {
  activeNodes: ClientEntry[];
}

export interface DiscoveryErrorBody {
  error: string;
}

/** SSE event names of `GET /api/nodes/watch`. */
export const MembershipEventKind = {
  snapshot: "snapshot",
  joined: "joined",
  left: "left",
  expired: "expired",
} as const;
export type MembershipChangeKind = "joined" | "left" | "expired";

/** A parsed watch-stream event, as a node consumes it. */
export type WatchEvent =
  | { kind: "snapshot"; activeNodes: ActiveNode[] }
  | { kind: MembershipChangeKind; node: ActiveNode };

/** Outcome of validating a body: the typed value, or why not. */
export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

function fail<T>(error: string): Validated<T> {
  return { ok: false, error };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isIntInRange(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= min &&
    value <= max;
}

function checkPassword(value: unknown): string | undefined {
  if (value === undefined) return "password is required";
  if (typeof value !== "string") return "password must be a string";
  return checkCharacters("password", value, NODE_PASSWORD_MAX_CHARS);
}

/** 1..maxChars characters (code points, as the nodes count), no lone surrogate. */
function checkCharacters(name: string, value: string, maxChars: number): string | undefined {
  if (!isWellFormedText(value)) {
    return `${name} must be valid Unicode text: it holds a lone surrogate`;
  }
  const length = charLength(value);
  if (length < 1 || length > maxChars) return `${name} must be 1..${maxChars} characters`;
  return undefined;
}

function checkNodeId(value: unknown): string | undefined {
  if (value === undefined) return "id is required";
  if (!isIntInRange(value, 1, Number.MAX_SAFE_INTEGER)) return "id must be a positive integer";
  return undefined;
}

function checkPort(name: string, value: unknown): string | undefined {
  if (value === undefined) return `${name} is required`;
  if (!isIntInRange(value, 1, 65535)) return `${name} must be an integer in 1..65535`;
  return undefined;
}

/** An optional host field of a login body: a host name or IP literal, no port. */
function checkAddress(name: string, value: unknown): Validated<string> {
  if (typeof value !== "string") return fail(`${name} must be a string`);
  const address = value.trim();
  if (address.length < 1 || address.length > ADDRESS_MAX_CHARS) {
    return fail(`${name} must be 1..${ADDRESS_MAX_CHARS} characters`);
  }
  if (hostKind(address) === undefined) {
    return fail(`${name} must be a host name or an IP address, without a port`);
  }
  return { ok: true, value: address };
}

/** `POST /api/nodes/register` body. */
export function validateRegisterBody(body: unknown): Validated<RegisterRequest> {
  if (!isRecord(body)) return fail("body must be a JSON object");
  const problem = checkPassword(body.password);
  if (problem) return fail(problem);
  return { ok: true, value: { password: body.password as string } };
}

/** `POST /api/nodes/active/logout` body. */
export function validateLogoutBody(body: unknown): Validated<LogoutRequest> {
  if (!isRecord(body)) return fail("body must be a JSON object");
  const problem = checkNodeId(body.id) ?? checkPassword(body.password);
  if (problem) return fail(problem);
  return { ok: true, value: { id: body.id as number, password: body.password as string } };
}

/** `POST /api/nodes/active/login` body (also the heartbeat). */
export function validateLoginBody(body: unknown): Validated<LoginRequest> {
  if (!isRecord(body)) return fail("body must be a JSON object");
  const problem = checkNodeId(body.id) ?? checkPassword(body.password) ??
    checkPort("syncport", body.syncport) ?? checkPort("clientport", body.clientport);
  if (problem) return fail(problem);
  const value: LoginRequest = {
    id: body.id as number,
    password: body.password as string,
    syncport: body.syncport as number,
    clientport: body.clientport as number,
  };
  for (const field of ["address", "syncaddress"] as const) {
    const given = body[field];
    if (given === undefined || given === null) continue;
    const address = checkAddress(field, given);
    if (!address.ok) return address;
    value[field] = address.value;
  }
  if (body.load !== undefined && body.load !== null) {
    if (!isIntInRange(body.load, 0, LOAD_MAX)) return fail("load must be a non-negative integer");
    value.load = body.load;
  }
  if (body.region !== undefined && body.region !== null) {
    if (typeof body.region !== "string") return fail("region must be a string");
    const problem = checkCharacters("region", body.region, REGION_MAX_CHARS);
    if (problem) return fail(problem);
    value.region = body.region;
  }
  if (body.tls !== undefined && body.tls !== null) {
    if (typeof body.tls !== "boolean") return fail("tls must be a boolean");
    value.tls = body.tls;
  }
  if (body.transport !== undefined && body.transport !== null) {
    if (!isReplicationTransport(body.transport)) {
      return fail(`transport must be one of ${REPLICATION_TRANSPORTS.join(", ")}`);
    }
    value.transport = body.transport;
  }
  return { ok: true, value };
}

/** An `ActiveNode` as it arrives from discovery (lists and watch events). */
export function parseActiveNode(value: unknown): Validated<ActiveNode> {
  if (!isRecord(value)) return fail("node must be an object");
  const problem = checkNodeId(value.id) ?? checkPort("syncport", value.syncport) ??
    checkPort("clientport", value.clientport);
  if (problem) return fail(problem);
  if (typeof value.address !== "string" || value.address.length === 0) {
    return fail("address must be a non-empty string");
  }
  const node: ActiveNode = {
    id: value.id as number,
    address: value.address,
    syncport: value.syncport as number,
    clientport: value.clientport as number,
    load: isIntInRange(value.load, 0, LOAD_MAX) ? value.load : 0,
  };
  if (typeof value.syncaddress === "string" && value.syncaddress.length > 0) {
    node.syncaddress = value.syncaddress;
  }
  if (typeof value.region === "string") node.region = value.region;
  if (value.tls === true) node.tls = true;
  if (isReplicationTransport(value.transport)) node.transport = value.transport;
  return { ok: true, value: node };
}

/** `{"activeNodes": [...]}` from `GET /api/nodes/active`, a login or a logout answer. */
export function parseActiveNodeList(body: unknown): Validated<ActiveNode[]> {
  if (!isRecord(body) || !Array.isArray(body.activeNodes)) {
    return fail("body must be an object with an activeNodes array");
  }
  const nodes: ActiveNode[] = [];
  for (const item of body.activeNodes) {
    const parsed = parseActiveNode(item);
    if (!parsed.ok) return parsed;
    nodes.push(parsed.value);
  }
  return { ok: true, value: nodes };
}

/** One watch-stream event (its SSE `event:` name and `data:` text) as a typed value. */
export function parseWatchEvent(eventName: string, data: string): Validated<WatchEvent> {
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return fail("event data is not JSON");
  }
  if (eventName === MembershipEventKind.snapshot) {
    const nodes = parseActiveNodeList(body);
    return nodes.ok ? { ok: true, value: { kind: "snapshot", activeNodes: nodes.value } } : nodes;
  }
  if (eventName === "joined" || eventName === "left" || eventName === "expired") {
    const node = parseActiveNode(body);
    return node.ok ? { ok: true, value: { kind: eventName, node: node.value } } : node;
  }
  return fail(`unknown event ${JSON.stringify(eventName)}`);
}
