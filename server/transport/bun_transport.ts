/**
 * The Bun adapter: one Bun.serve on one port for the client WebSocket (`/`),
 * the peer WebSocket (`/peer`, handed to the mesh's endpoint), the HTTP API and
 * the web client. It only translates: client sockets go to the hub and their
 * sessions, HTTP paths to http_api and the web route.
 *
 * Invariants:
 * - Before anything else, a loopback-bound node refuses a foreign Host (403, DNS
 *   rebinding); a client upgrade is refused with 403 from a foreign Origin and
 *   with 401 for a bad token (or none, with --auth required): nothing upgrades
 *   unchecked. A connection carries its identity and ends with its token.
 * - A client frame over 64 KiB closes that connection with 1009 (Bun's
 *   maxPayloadLength); nothing a client sends can throw out of a handler.
 * - A client upgrade past the connection caps is refused before the upgrade
 *   (429 per address, 503 in total, JSON error); every admitted connection is
 *   released exactly once, when it closes (or when its upgrade fails).
 * - Bun's backpressureLimit (16x the hub's slow-reader limit) force-closes a
 *   reader that grows faster than the hub's checks.
 * - stop() closes every client with 1001 before the listener goes away.
 * @module
 */

import type { Server, WebSocketHandler } from "bun";
import type { ClientEntry } from "../../common/discovery_protocol.ts";
import { CloseCode } from "../../common/errors.ts";
import { type ChatMessage, Limits } from "../../common/protocol.ts";
import type { ChatNode } from "../core/chat_node.ts";
import type { Logger } from "../../common/logger.ts";
import type { ReaderFilter } from "../core/delivery_topics.ts";
import type { MetricsRegistry, NodeMetrics } from "../observability/metrics_registry.ts";
import { ClientHub } from "./client_hub.ts";
import { CountedSocket } from "./counted_socket.ts";
import { ClientSession, type ClientSessionContext, type RateLimit } from "./client_session.ts";
import type { ReadinessPhase } from "../process/readiness.ts";
import { type AdminContext, handleAdminRequest } from "./admin_api.ts";
import { handleApiRequest } from "./http_api.ts";
import { AddressRateLimit, type AddressRateLimitOptions } from "./address_rate_limit.ts";
import { ChatCreationQuota, type ChatCreationQuotaOptions } from "./chat_creation_quota.ts";
import { ConnectionLimits, type ConnectionLimitsOptions } from "./connection_limits.ts";
import type { WebRoute } from "./web_route.ts";
import type { Identity } from "../core/chat_access.ts";
import { isPrivateChatId } from "../core/chat_access.ts";
import type { OriginPolicy } from "./origin_policy.ts";
import { unauthorized, type UserAuth } from "./user_auth.ts";

/** The part of a Bun server socket a peer endpoint may use. */
export interface PeerSocketLike {
  data: unknown;
  send(text: string): unknown;
  close(code?: number, reason?: string): void;
  getBufferedAmount(): number;
}

/**
 * The mesh's `/peer` endpoint, as the transport calls it (docs/ARCHITECTURE.md).
 * Method syntax on purpose: the endpoint may declare narrower socket data types.
 */
export interface PeerEndpointHook {
  upgrade(
    request: Request,
    server: { upgrade(request: Request, options: { data: unknown }): boolean },
  ): Promise<Response | undefined>;
  websocket: {
    open(ws: PeerSocketLike): void;
    message(ws: PeerSocketLike, message: string | Uint8Array): void;
    close(ws: PeerSocketLike, code: number, reason: string): void;
    drain(ws: PeerSocketLike): void;
  };
}

/** A client socket's data from its upgrade until open(), which replaces it with the hub's record. */
interface ClientSocketData {
  kind: "client";
  /** Who the upgrade's token (or its absence) says this connection speaks for. */
  identity: Identity;
  /** Wall-clock ms when its token stops being valid. */
  validUntilMs?: number;
  /** Counted by the connection limits (released on close); key: its address's, if limited. */
  admitted: boolean;
  limitKey?: string;
}

/** One object per open client connection: its `data` becomes the hub's record in open(). */
type SocketData = ClientSocketData | CountedSocket | { kind: "peer"; [key: string]: unknown };

export interface NodeServerOptions {
  node: ChatNode;
  registry: MetricsRegistry;
  metrics: NodeMetrics;
  logger: Logger;
  hostname: string;
  port: number;
  rateLimit: RateLimit;
  webRoute: WebRoute;
  /** The other live nodes' client addresses, for `GET /api/clients`. @default none */
  peerClients?: () => ClientEntry[];
  /** A client's unsent bytes past which it is dropped. @default 4 MiB */
  slowReaderBytes?: number;
  /** All clients' unsent bytes past which the furthest behind are cut off. @default 256 MiB */
  bufferBudgetBytes?: number;
  /** Client connection caps, checked before the upgrade. @default no caps */
  connectionLimits?: ConnectionLimitsOptions;
  /** Per-address rate of REST POSTs. @default not limited */
  postRateLimit?: Omit<AddressRateLimitOptions, "clock">;
  /** Chat creation quotas. @default only the frame rate */
  chatQuota?: ChatCreationQuotaOptions;
  /** Seconds without any frame or pong before a client is closed with 4001. @default 120 */
  idleTimeoutSeconds?: number;
  /** PEM certificate and key: serve https:// and wss:// only. */
  tls?: ServeTls;
  /** The node's phase for `/readyz`. @default always serving */
  readiness?: () => ReadinessPhase;
  /** The operator routes (`/admin/backup`); without it they answer 404. */
  admin?: AdminContext;
  /** User tokens (--auth). */
  auth: UserAuth;
  /** Which browser origins may open a client connection. */
  originPolicy: OriginPolicy;
  /** The DNS-rebinding guard of a loopback-bound node (undefined: not bound to loopback). */
  hostCheck?: (hostHeader: string | null) => boolean;
}

/** PEM text of a certificate (chain) and its private key. */
export interface ServeTls {
  cert: string;
  key: string;
}

export interface NodeServer {
  readonly server: Server<SocketData>;
  /** The bound port (the real one for port 0). */
  readonly port: number;
  /** Publishes to local subscribers; soon after, readers that fell behind are dropped. */
  publish(topic: string, data: string): void;
  /** Publishes one message's live frame to the connections that should get it. */
  publishMessage(message: ChatMessage, frame: string): void;
  /** Connections on a topic. */
  subscriberCount(topic: string): number;
  /** A section 7 frame to the hello readers of a chat (see ClientHub.publishToReaders). */
  publishToReaders(chatId: number, data: string, filter?: ReaderFilter): void;
  /** Plugs the mesh in: `/peer` upgrades and the peer count for /healthz. */
  setPeerEndpoint(endpoint: PeerEndpointHook, peerCount: () => number): void;
  clientCount(): number;
  /** Closes every client with 1001 and stops listening. */
  stop(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 2000;

/** What the handlers share: the hub, the sessions' context, and the mesh once plugged in. */
interface TransportState {
  options: NodeServerOptions;
  hub: ClientHub;
  context: ClientSessionContext;
  peerEndpoint: PeerEndpointHook | undefined;
  peerCount: () => number;
  connections?: ConnectionLimits;
  posts?: AddressRateLimit;
}

type BunServer = Server<SocketData>;

/** HTTP: admin, `/peer` to the mesh, `/` upgrades to client sessions, the API, the web page. */
function createFetchHandler(state: TransportState) {
  const { options, hub } = state;
  const peerClients = options.peerClients ?? (() => []);
  return async function fetch(request: Request, server: BunServer): Promise<Response | undefined> {
    const url = new URL(request.url);
    if (options.hostCheck && !options.hostCheck(request.headers.get("host"))) {
      options.metrics.refused.inc();
      return Response.json({ error: "Cannot answer: this node does not serve that Host" }, {
        status: 403,
      });
    }
    if (options.admin && url.pathname.startsWith("/admin/")) {
      return handleAdminRequest(request, options.admin);
    }
    if (url.pathname === "/peer") {
      if (!state.peerEndpoint) {
        return Response.json({ error: "Cannot accept peer: this node has no mesh" }, {
          status: 401,
        });
      }
      return await state.peerEndpoint.upgrade(request, server);
    }
    const address = server.requestIP(request)?.address ?? "";
    if (url.pathname === "/" && request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      return await upgradeClient(state, request, server, address);
    }
    const posts = state.posts;
    const api = await handleApiRequest(request, {
      node: options.node,
      registry: options.registry,
      metrics: options.metrics,
      auth: options.auth,
      logger: options.logger,
      clientCount: () => hub.size,
      peerCount: () => state.peerCount(),
      peerClients,
      readiness: options.readiness,
      admitPost: posts && (() => {
        const decision = posts.take(address);
        if (!decision.ok) options.metrics.httpRateLimited.inc();
        return decision;
      }),
    });
    if (api) return api;
    const page = options.webRoute(request);
    if (page) return page;
    return Response.json({ error: "Cannot find this path" }, { status: 404 });
  };
}

/**
 * A client upgrade: refused past the connection caps (429 per address, 503 in total),
 * 403 from a foreign Origin, 401 for a bad token (or none with --auth required), else
 * upgraded with the connection's identity, the end of its token, and its admission.
 */
async function upgradeClient(
  state: TransportState,
  request: Request,
  server: BunServer,
  address: string,
): Promise<Response | undefined> {
  const { options, connections } = state;
  const { metrics, logger } = options;
  const admission = connections?.admit(address) ?? { ok: true, key: undefined };
  if (!admission.ok) {
    metrics.connectionsRefused.labels(admission.reason).inc();
    logger.debug("client refused", { reason: admission.reason, address });
    return Response.json({ error: admission.error }, { status: admission.status });
  }
  const release = () => connections?.release(admission.key);
  const origin = request.headers.get("origin");
  if (!options.originPolicy.allowsUpgrade(origin, request.headers.get("host"))) {
    release();
    metrics.refused.inc();
    logger.debug("client refused: origin", { origin });
    return Response.json({ error: `Cannot upgrade: origin ${origin} is not allowed` }, {
      status: 403,
    });
  }
  const who = await options.auth.authenticate(request, { allowQueryToken: true });
  if (!who.ok) {
    release();
    metrics.refused.inc();
    logger.debug("client refused: token", { reason: who.error });
    return unauthorized(who.error);
  }
  const data: ClientSocketData = {
    kind: "client",
    identity: who.identity,
    admitted: connections !== undefined,
    limitKey: admission.key,
  };
  if (who.validUntilMs !== undefined) data.validUntilMs = who.validUntilMs;
  if (server.upgrade(request, { data })) return undefined;
  release();
  return Response.json({ error: "Cannot upgrade: bad WebSocket handshake" }, { status: 400 });
}

/** The one static websocket handler: peer sockets to the mesh, client sockets to the hub. */
function createWebSocketHandlers(state: TransportState): WebSocketHandler<SocketData> {
  const { hub, context } = state;
  const { logger, metrics } = state.options;
  return {
    maxPayloadLength: Limits.frameMaxBytes,
    backpressureLimit: hub.slowReaderBytes * 16,
    closeOnBackpressureLimit: true,
    // Clients: the hub's own idle check (close 4001). This is only the backstop for
    // every socket, peers included (the mesh watches its links itself).
    idleTimeout: 960,
    sendPings: true,
    perMessageDeflate: false,
    open(ws) {
      const data = ws.data;
      if (data.kind === "peer") return state.peerEndpoint?.websocket.open(ws);
      if (data instanceof CountedSocket) return;
      const client = hub.add(ws, data.validUntilMs);
      client.admitted = data.admitted;
      client.limitKey = data.limitKey;
      const session = new ClientSession(hub.socketOf(client), context, data.identity);
      client.session = session;
      ws.data = client;
      session.open();
      logger.debug("client connected", { connection: session.id, clients: hub.size });
    },
    message(ws, message) {
      const client = ws.data;
      if (client.kind === "peer") return state.peerEndpoint?.websocket.message(ws, message);
      if (!(client instanceof CountedSocket)) return;
      hub.seen(client);
      client.session?.handle(message);
      hub.dropIfSlow(client);
    },
    ping(ws) {
      if (ws.data instanceof CountedSocket) hub.seen(ws.data);
    },
    pong(ws) {
      if (ws.data instanceof CountedSocket) hub.seen(ws.data);
    },
    drain(ws) {
      if (ws.data.kind === "peer") return state.peerEndpoint?.websocket.drain(ws);
    },
    close(ws, code, reason) {
      const client = ws.data;
      if (client.kind === "peer") return state.peerEndpoint?.websocket.close(ws, code, reason);
      if (client.admitted) {
        client.admitted = false;
        state.connections?.release(client.limitKey);
      }
      if (!(client instanceof CountedSocket)) return;
      hub.remove(client);
      client.session?.closed();
      metrics.clientCloses.labels(String(code)).inc();
      logger.debug("client disconnected", { code, clients: hub.size });
    },
    error(error, ws) {
      logger.error("websocket handler failed", { kind: ws.data.kind, error: error.message });
    },
  };
}

export function startNodeServer(options: NodeServerOptions): NodeServer {
  const { node, metrics, logger } = options;
  // deno-lint-ignore prefer-const
  let server: BunServer;
  const hub = new ClientHub({
    publishToTopic: (topic, text) => server.publish(topic, text),
    metrics,
    logger,
    slowReaderBytes: options.slowReaderBytes,
    bufferBudgetBytes: options.bufferBudgetBytes,
    idleTimeoutMs: (options.idleTimeoutSeconds ?? 120) * 1000,
    committedSeq: (origin) => node.committedSeq(origin),
  });
  const chatQuota = options.chatQuota &&
    new ChatCreationQuota({ ...options.chatQuota, refused: metrics.chatsRefused });
  const state: TransportState = {
    options,
    hub,
    context: { node, metrics, logger, rateLimit: options.rateLimit, chatQuota },
    peerEndpoint: undefined,
    peerCount: () => 0,
    connections: options.connectionLimits && new ConnectionLimits(options.connectionLimits),
    posts: options.postRateLimit && new AddressRateLimit(options.postRateLimit),
  };
  metrics.clients.collectWith(() => hub.size);
  metrics.peers.collectWith(() => state.peerCount());
  metrics.bufferedBytes.collectWith(() => hub.bufferedBytes);

  server = Bun.serve<SocketData>({
    hostname: options.hostname,
    port: options.port,
    // Explicit: with a websocket handler Bun 1.4 otherwise sets SO_REUSEPORT, and a second
    // node started on a taken --port would silently share it (and its clients) with the first.
    reusePort: false,
    development: false,
    tls: options.tls,
    fetch: createFetchHandler(state),
    error(error) {
      logger.error("http handler failed", { error: error.message });
      return Response.json({ error: "Cannot answer: internal error" }, { status: 500 });
    },
    websocket: createWebSocketHandlers(state),
  });

  // A private chat reaches the connections that may read it, one by one (not a topic).
  const stopChatChanges = node.onChatChanged((change) => {
    if (!isPrivateChatId(change.chat.chatId)) return;
    for (const session of hub.sessions()) session.chatChanged(change);
  });

  return {
    server,
    port: server.port!,
    publish: (topic, data) => hub.publish(topic, data),
    publishMessage: (message, frame) => hub.publishMessage(message, frame),
    subscriberCount: (topic) => hub.topicCount(topic),
    publishToReaders: (chatId, data, filter) => hub.publishToReaders(chatId, data, filter),
    setPeerEndpoint(endpoint, count) {
      state.peerEndpoint = endpoint;
      state.peerCount = count;
    },
    clientCount: () => hub.size,
    async stop() {
      // Let the close frames go out, but never hang on a client that does not answer.
      stopChatChanges();
      await hub.closeAll(CloseCode.goingAway, "node shutting down", SHUTDOWN_GRACE_MS);
      hub.close();
      await server.stop(true);
    },
  };
}
