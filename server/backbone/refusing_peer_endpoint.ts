/**
 * `/peer` on a backbone node: a mesh node that dials it (a static `--peers`
 * list, or a mixed cluster) is refused before any upgrade with 409 and a
 * sentence saying why, so its log names the mistake instead of retrying a
 * mystery 401.
 *
 * Invariant: no socket is ever upgraded here.
 * @module
 */

import type { PeerEndpointHook } from "../transport/bun_transport.ts";

export const BACKBONE_PEER_REFUSAL =
  "Cannot link: this node replicates over a NATS backbone (--backbone); mesh and backbone " +
  "nodes cannot be mixed in one cluster";

export function refusingPeerEndpoint(): PeerEndpointHook {
  const ignore = () => {};
  return {
    upgrade: () =>
      Promise.resolve(Response.json({ error: BACKBONE_PEER_REFUSAL }, { status: 409 })),
    websocket: { open: ignore, message: ignore, close: ignore, drain: ignore },
  };
}
