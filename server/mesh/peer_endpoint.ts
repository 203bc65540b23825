/**
 * The `/peer` endpoint on the node's port: checks the dialler's proof before
 * the WebSocket upgrade (401 otherwise, nothing upgraded), then translates the
 * Bun server socket events into the peer link. The node's transport calls
 * `upgrade` for `/peer` and hands `ws.data.kind === "peer"` events to `websocket`.
 *
 * Invariant: no socket reaches the mesh without a fresh, valid, unreplayed proof
 * made for this node.
 * @module
 */

import { PEER_AUTH_HEADER, type PeerAuth } from "../../common/peer_auth_token.ts";
import type { Logger } from "../../common/logger.ts";
import type { LabelledCounter } from "../observability/metrics_registry.ts";
import type { PeerLink } from "./peer_link.ts";
import type { PeerMesh } from "./peer_mesh.ts";

/** What the endpoint stores in `ws.data` of a peer socket. */
export interface PeerSocketData {
  kind: "peer";
  peerNodeId: number;
  acceptProof: string;
  link?: PeerLink;
}

/** The part of a Bun server socket the endpoint uses. */
export interface PeerServerSocket {
  data: PeerSocketData;
  send(text: string): unknown;
  close(code?: number, reason?: string): void;
  getBufferedAmount(): number;
}

/** The part of a Bun server the endpoint uses. */
export interface UpgradingServer {
  upgrade(request: Request, options: { data: PeerSocketData }): boolean;
}

export interface PeerEndpoint {
  /** For `/peer` requests: 401 without a valid proof, else upgrades and resolves undefined. */
  upgrade(request: Request, server: UpgradingServer): Promise<Response | undefined>;
  websocket: {
    open(ws: PeerServerSocket): void;
    message(ws: PeerServerSocket, message: string | Uint8Array): void;
    close(ws: PeerServerSocket, code: number, reason: string): void;
    drain(ws: PeerServerSocket): void;
  };
}

function jsonError(status: number, error: string): Response {
  return Response.json({ error }, { status });
}

export interface PeerEndpointOptions {
  mesh: PeerMesh;
  auth: PeerAuth;
  log: Logger;
  /** Counts refused dials by reason (`dsatter_peer_dials_refused_total`). */
  refusals?: LabelledCounter;
}

export function createPeerEndpoint(options: PeerEndpointOptions): PeerEndpoint {
  const { mesh, auth, log } = options;

  return {
    async upgrade(request, server) {
      const header = request.headers.get(PEER_AUTH_HEADER);
      const check = await auth.verifyDial(header, mesh.node.nodeId, mesh.clock.nowMs());
      if (!check.ok) {
        options.refusals?.labels(check.reason.replaceAll(" ", "_")).inc();
        log.warn("peer refused", { reason: check.reason });
        return jsonError(401, `Cannot accept peer: ${check.reason}`);
      }
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return jsonError(426, "Cannot accept peer: expected a WebSocket upgrade");
      }
      const acceptProof = await auth.signAccept(mesh.node.nodeId, check.nonce);
      const data: PeerSocketData = { kind: "peer", peerNodeId: check.nodeId, acceptProof };
      if (server.upgrade(request, { data })) return undefined;
      return jsonError(400, "Cannot accept peer: the upgrade failed");
    },
    websocket: {
      open(ws) {
        ws.data.link = mesh.attachAccepted(
          {
            send: (text) => void ws.send(text),
            close: (code, reason) => ws.close(code, reason),
            bufferedAmount: () => ws.getBufferedAmount(),
          },
          ws.data.peerNodeId,
          ws.data.acceptProof,
        );
      },
      message(ws, message) {
        if (typeof message !== "string") {
          ws.data.link?.close(1003, "peer frames are text");
          return;
        }
        ws.data.link?.receive(message);
      },
      close(ws) {
        ws.data.link?.closed();
      },
      drain() {},
    },
  };
}
