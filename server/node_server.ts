/**
 * The transport: one Bun.serve on one port for the client WebSocket (`/`), the
 * peer WebSocket (`/peer`, handed to the mesh's endpoint), the HTTP API and the
 * web client. A thin adapter: frames go to ClientSession, routes to http_api.
 *
 * Invariants:
 * - A client frame over 64 KiB closes that connection with 1009 (Bun's
 *   maxPayloadLength); nothing a client sends can throw out of a handler.
 * - A client whose unsent buffer passes slowReaderBytes is closed with 4000
 *   (checked after its own frames, 50 ms after publishing, and by a 250 ms sweep);
 *   Bun's backpressureLimit (16x that) force-closes it if it ever grows faster.
 * - stop() closes every client with 1001 before the listener goes away.
 * @module
 */

import type { Server, ServerWebSocket } from "bun";
import { CloseCode } from "../common/errors.ts";
import { Limits } from "../common/protocol.ts";
import type { ChatNode } from "./chat_node.ts";
import { ClientSession, type ClientSocket, type RateLimit } from "./client_session.ts";
import { handleApiRequest } from "./http_api.ts";
import type { Logger } from "./logger.ts";
import type { MetricsRegistry, NodeMetrics } from "./metrics_registry.ts";
import type { WebRoute } from "./web_client_route.ts";

/** The part of a Bun server socket a peer endpoint may use. */
export interface PeerSocketLike {
  data: unknown;
  send(text: string): unknown;
  close(code?: number, reason?: string): void;
  getBufferedAmount(): number;
}

/**
 * The mesh's `/peer` endpoint, as the transport calls it (see docs/SEAM_REQUESTS.md).
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

interface ClientSocketData {
  kind: "client";
  session?: ClientSession;
  /** Last frame, ping or pong from the client (ms, performance.now). */
  lastSeenMs: number;
  /** When the node pinged it since lastSeenMs; 0 when not. */
  pingedAtMs: number;
  /** Topics it is subscribed to (for the per-topic counts). */
  topics?: Set<string>;
}

/** Subscribers per topic, kept as sessions (un)subscribe: O(1) instead of Bun's scan. */
class TopicCounts {
  #counts = new Map<string, number>();
  add(topic: string, delta: number): void {
    const count = (this.#counts.get(topic) ?? 0) + delta;
    if (count > 0) this.#counts.set(topic, count);
    else this.#counts.delete(topic);
  }
  get(topic: string): number {
    return this.#counts.get(topic) ?? 0;
  }
}

/**
 * The Bun socket as a ClientSocket, counting its subscriptions. A class, so an idle
 * connection costs one small object (methods live on the prototype, not in closures).
 */
class CountingSocket implements ClientSocket {
  #ws: ServerWebSocket<SocketData>;
  #counts: TopicCounts;
  #topics = new Set<string>();

  constructor(ws: ServerWebSocket<SocketData>, counts: TopicCounts) {
    this.#ws = ws;
    this.#counts = counts;
    (ws.data as ClientSocketData).topics = this.#topics;
  }
  send(text: string): number {
    return this.#ws.send(text);
  }
  cork(callback: () => void): unknown {
    return this.#ws.cork(callback);
  }
  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }
  publish(topic: string, text: string): unknown {
    return this.#ws.publish(topic, text);
  }
  getBufferedAmount(): number {
    return this.#ws.getBufferedAmount();
  }
  get readyState(): number {
    return this.#ws.readyState;
  }
  subscribe(topic: string): void {
    if (this.#topics.has(topic)) return;
    this.#ws.subscribe(topic);
    this.#topics.add(topic);
    this.#counts.add(topic, 1);
  }
  unsubscribe(topic: string): void {
    if (!this.#topics.delete(topic)) return;
    this.#ws.unsubscribe(topic);
    this.#counts.add(topic, -1);
  }
  unsubscribeAll(): void {
    for (const topic of this.#topics) {
      this.#ws.unsubscribe(topic);
      this.#counts.add(topic, -1);
    }
    this.#topics.clear();
  }
  terminate(): void {
    this.#ws.terminate();
  }
}

function countingSocket(ws: ServerWebSocket<SocketData>, counts: TopicCounts): ClientSocket {
  return new CountingSocket(ws, counts);
}

type SocketData = ClientSocketData | { kind: "peer"; [key: string]: unknown };

export interface NodeServerOptions {
  node: ChatNode;
  registry: MetricsRegistry;
  metrics: NodeMetrics;
  logger: Logger;
  hostname: string;
  port: number;
  rateLimit: RateLimit;
  webRoute: WebRoute;
  /** A client's unsent bytes past which it is dropped. @default 4 MiB */
  slowReaderBytes?: number;
  /** Seconds without any frame or pong before a client is closed with 4001. @default 120 */
  idleTimeoutSeconds?: number;
}

export interface NodeServer {
  readonly server: Server<SocketData>;
  /** The bound port (the real one for port 0). */
  readonly port: number;
  /** Publishes to local subscribers; soon after, readers that fell behind are dropped. */
  publish(topic: string, data: string): void;
  /** Connections on a topic. */
  subscriberCount(topic: string): number;
  /** Plugs the mesh in: `/peer` upgrades and the peer count for /healthz. */
  setPeerEndpoint(endpoint: PeerEndpointHook, peerCount: () => number): void;
  clientCount(): number;
  /** Closes every client with 1001 and stops listening. */
  stop(): Promise<void>;
}

const SLOW_READER_SWEEP_MS = 250;
const SHUTDOWN_GRACE_MS = 2000;
const DELIVERY_CHECK_MS = 50;

export function startNodeServer(options: NodeServerOptions): NodeServer {
  const { node, metrics, logger } = options;
  const slowReaderBytes = options.slowReaderBytes ?? 4 * 1024 * 1024;
  const clients = new Set<ServerWebSocket<SocketData>>();
  const topicCounts = new TopicCounts();
  let peerEndpoint: PeerEndpointHook | undefined;
  let peerCount = () => 0;
  metrics.clients.collectWith(() => clients.size);
  metrics.peers.collectWith(() => peerCount());
  const context = { node, metrics, logger, rateLimit: options.rateLimit };

  const idleMs = (options.idleTimeoutSeconds ?? 120) * 1000;

  function seen(ws: ServerWebSocket<SocketData>): void {
    if (ws.data.kind !== "client") return;
    ws.data.lastSeenMs = performance.now();
    ws.data.pingedAtMs = 0;
  }

  /** Pings a client quiet for half the idle timeout; closes one quiet for all of it. */
  function checkIdle(ws: ServerWebSocket<SocketData>, nowMs: number): void {
    if (ws.data.kind !== "client" || !ws.data.session) return;
    const quietMs = nowMs - ws.data.lastSeenMs;
    if (quietMs > idleMs) {
      logger.debug("client closed: idle", { connection: ws.data.session.id });
      ws.data.session.close(CloseCode.idleTimeout, "idle: no frame or pong");
    } else if (quietMs > idleMs / 2 && ws.data.pingedAtMs === 0) {
      ws.data.pingedAtMs = nowMs;
      ws.ping();
    }
  }

  function dropIfSlow(ws: ServerWebSocket<SocketData>): void {
    if (ws.data.kind !== "client" || !ws.data.session) return;
    const buffered = ws.getBufferedAmount();
    if (buffered <= slowReaderBytes) return;
    metrics.dropped.inc();
    logger.info("client dropped: slow reader", { connection: ws.data.session.id, buffered });
    ws.data.session.close(CloseCode.slowReader, "slow reader: reconnect and resume with since");
  }

  const server: Server<SocketData> = Bun.serve<SocketData>({
    hostname: options.hostname,
    port: options.port,
    // Explicit: with a websocket handler Bun 1.4 otherwise sets SO_REUSEPORT, and a second
    // node started on a taken --port would silently share it (and its clients) with the first.
    reusePort: false,
    development: false,
    async fetch(request, server) {
      const url = new URL(request.url);
      if (url.pathname === "/peer") {
        if (!peerEndpoint) {
          return Response.json({ error: "Cannot accept peer: this node has no mesh" }, {
            status: 401,
          });
        }
        return await peerEndpoint.upgrade(request, server);
      }
      if (url.pathname === "/" && request.headers.get("upgrade")?.toLowerCase() === "websocket") {
        const data: ClientSocketData = {
          kind: "client",
          lastSeenMs: performance.now(),
          pingedAtMs: 0,
        };
        if (server.upgrade(request, { data })) return undefined;
        return Response.json({ error: "Cannot upgrade: bad WebSocket handshake" }, {
          status: 400,
        });
      }
      const api = await handleApiRequest(request, {
        node,
        registry: options.registry,
        logger,
        clientCount: () => clients.size,
        peerCount: () => peerCount(),
      });
      if (api) return api;
      const page = options.webRoute(request);
      if (page) return page;
      return Response.json({ error: "Cannot find this path" }, { status: 404 });
    },
    error(error) {
      logger.error("http handler failed", { error: error.message });
      return Response.json({ error: "Cannot answer: internal error" }, { status: 500 });
    },
    websocket: {
      maxPayloadLength: Limits.frameMaxBytes,
      backpressureLimit: slowReaderBytes * 16,
      closeOnBackpressureLimit: true,
      // Clients: the sweep's own idle check (close 4001). This is only the backstop for
      // every socket, peers included (the mesh watches its links itself).
      idleTimeout: 960,
      sendPings: true,
      perMessageDeflate: false,
      open(ws) {
        if (ws.data.kind === "peer") return peerEndpoint?.websocket.open(ws);
        const session = new ClientSession(countingSocket(ws, topicCounts), context);
        ws.data.session = session;
        clients.add(ws);
        session.open();
        logger.debug("client connected", { connection: session.id, clients: clients.size });
      },
      message(ws, message) {
        if (ws.data.kind === "peer") return peerEndpoint?.websocket.message(ws, message);
        seen(ws);
        ws.data.session?.handle(message);
        dropIfSlow(ws);
      },
      ping(ws) {
        seen(ws);
      },
      pong(ws) {
        seen(ws);
      },
      drain(ws) {
        if (ws.data.kind === "peer") return peerEndpoint?.websocket.drain(ws);
      },
      close(ws, code, reason) {
        if (ws.data.kind === "peer") return peerEndpoint?.websocket.close(ws, code, reason);
        clients.delete(ws);
        ws.data.session?.closed();
        if (ws.data.topics) { for (const topic of ws.data.topics) topicCounts.add(topic, -1); }
        logger.debug("client disconnected", { code, clients: clients.size });
      },
      error(error, ws) {
        logger.error("websocket handler failed", { kind: ws.data.kind, error: error.message });
      },
    },
  });

  // After publishing, check readers soon (not per message): a reader cannot outgrow the
  // slow-reader limit by much before it is dropped with 4000.
  let deliveryCheckScheduled = false;
  function scheduleDeliveryCheck(): void {
    if (deliveryCheckScheduled) return;
    deliveryCheckScheduled = true;
    setTimeout(() => {
      deliveryCheckScheduled = false;
      for (const ws of clients) dropIfSlow(ws);
    }, DELIVERY_CHECK_MS);
  }

  const sweep = setInterval(() => {
    const nowMs = performance.now();
    for (const ws of clients) {
      dropIfSlow(ws);
      checkIdle(ws, nowMs);
    }
  }, SLOW_READER_SWEEP_MS);
  sweep.unref?.();

  return {
    server,
    port: server.port!,
    publish(topic, data) {
      server.publish(topic, data);
      scheduleDeliveryCheck();
    },
    subscriberCount: (topic) => topicCounts.get(topic),
    setPeerEndpoint(endpoint, count) {
      peerEndpoint = endpoint;
      peerCount = count;
    },
    clientCount: () => clients.size,
    async stop() {
      clearInterval(sweep);
      for (const ws of clients) {
        ws.data.kind === "client" && ws.data.session?.close(
          CloseCode.goingAway,
          "node shutting down",
        );
      }
      // Let the close frames go out, but never hang on a client that does not answer.
      const deadline = Date.now() + SHUTDOWN_GRACE_MS;
      while (clients.size > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await server.stop(true);
    },
  };
}
