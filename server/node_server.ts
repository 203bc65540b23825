/**
 * The transport: one Bun.serve on one port for the client WebSocket (`/`), the
 * peer WebSocket (`/peer`, handed to the mesh's endpoint), the HTTP API and the
 * web client. A thin adapter: frames go to ClientSession, routes to http_api.
 *
 * Invariants:
 * - A client frame over 64 KiB closes that connection with 1009 (Bun's
 *   maxPayloadLength); nothing a client sends can throw out of a handler.
 * - A client whose unsent buffer passes slowReaderBytes is closed with 4000
 *   (checked after every direct send and by a sweep for pub/sub deliveries);
 *   Bun's backpressureLimit (4x that) force-closes it if it grows faster.
 * - stop() closes every client with 1001 before the listener goes away.
 * @module
 */

import type { Server, ServerWebSocket } from "bun";
import { CloseCode } from "../common/errors.ts";
import { Limits } from "../common/protocol.ts";
import type { ChatNode } from "./chat_node.ts";
import { ClientSession, type RateLimit } from "./client_session.ts";
import { handleApiRequest } from "./http_api.ts";
import type { Logger } from "./logger.ts";
import type { MetricsRegistry, NodeMetrics } from "./metrics_registry.ts";
import type { WebRoute } from "./web_client_route.ts";

/** The mesh's `/peer` endpoint, as the transport calls it (see docs/SEAM_REQUESTS.md). */
export interface PeerEndpointHook {
  upgrade(
    request: Request,
    server: { upgrade(request: Request, options: { data: any }): boolean },
  ): Promise<Response | undefined>;
  websocket: {
    open(ws: any): void;
    message(ws: any, message: string | Uint8Array): void;
    close(ws: any, code: number, reason: string): void;
    drain(ws: any): void;
  };
}

interface ClientSocketData {
  kind: "client";
  session?: ClientSession;
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
  /** A client's unsent bytes past which it is dropped. @default 1 MiB */
  slowReaderBytes?: number;
  /** Seconds without any frame or pong before a connection is closed. @default 120 */
  idleTimeoutSeconds?: number;
}

export interface NodeServer {
  readonly server: Server<SocketData>;
  /** The bound port (the real one for port 0). */
  readonly port: number;
  /** Plugs the mesh in: `/peer` upgrades and the peer count for /healthz. */
  setPeerEndpoint(endpoint: PeerEndpointHook, peerCount: () => number): void;
  clientCount(): number;
  /** Closes every client with 1001 and stops listening. */
  stop(): Promise<void>;
}

const SLOW_READER_SWEEP_MS = 250;
const SHUTDOWN_GRACE_MS = 2000;

export function startNodeServer(options: NodeServerOptions): NodeServer {
  const { node, metrics, logger } = options;
  const slowReaderBytes = options.slowReaderBytes ?? 1024 * 1024;
  const clients = new Set<ServerWebSocket<SocketData>>();
  let peerEndpoint: PeerEndpointHook | undefined;
  let peerCount = () => 0;
  metrics.clients.collectWith(() => clients.size);
  metrics.peers.collectWith(() => peerCount());
  const context = { node, metrics, logger, rateLimit: options.rateLimit };

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
        if (server.upgrade(request, { data: { kind: "client" } })) return undefined;
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
      backpressureLimit: slowReaderBytes * 4,
      closeOnBackpressureLimit: true,
      idleTimeout: options.idleTimeoutSeconds ?? 120,
      sendPings: true,
      perMessageDeflate: false,
      open(ws) {
        if (ws.data.kind === "peer") return peerEndpoint?.websocket.open(ws);
        const session = new ClientSession(ws, context);
        ws.data.session = session;
        clients.add(ws);
        session.open();
        logger.debug("client connected", { connection: session.id, clients: clients.size });
      },
      message(ws, message) {
        if (ws.data.kind === "peer") return peerEndpoint?.websocket.message(ws, message);
        ws.data.session?.handle(message);
        dropIfSlow(ws);
      },
      drain(ws) {
        if (ws.data.kind === "peer") return peerEndpoint?.websocket.drain(ws);
      },
      close(ws, code, reason) {
        if (ws.data.kind === "peer") return peerEndpoint?.websocket.close(ws, code, reason);
        clients.delete(ws);
        ws.data.session?.closed();
        logger.debug("client disconnected", { code, clients: clients.size });
      },
      error(error, ws) {
        logger.error("websocket handler failed", { kind: ws.data.kind, error: error.message });
      },
    },
  });

  const sweep = setInterval(() => {
    for (const ws of clients) dropIfSlow(ws);
  }, SLOW_READER_SWEEP_MS);
  sweep.unref?.();

  return {
    server,
    port: server.port!,
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
