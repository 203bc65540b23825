/**
 * How the node reaches other processes (discovery over HTTP, peers over
 * WebSocket): plain runtime calls, or, with `--ca FILE`, calls that also trust
 * that PEM bundle for https:// and wss:// (Bun's fetch and WebSocket both take
 * `tls: { ca }`; NODE_EXTRA_CA_CERTS works too, for the whole process).
 *
 * Invariant: the same trust applies to every outbound connection of the node.
 * @module
 */

import { openPeerSocket } from "../mesh/peer_dialer.ts";

export interface Outbound {
  fetch: typeof fetch;
  openWebSocket: (url: string, headers: Record<string, string>) => WebSocket;
}

/** Outbound calls trusting the system's CAs, plus `caPem` when given. */
export function createOutbound(caPem?: string): Outbound {
  if (caPem === undefined) {
    return { fetch, openWebSocket: (url, headers) => openPeerSocket(url, headers) };
  }
  const fetchTrusting = (input: string | URL | Request, init?: RequestInit) =>
    fetch(input, { ...init, tls: { ca: caPem } });
  return {
    fetch: fetchTrusting as typeof fetch,
    openWebSocket: (url, headers) => openPeerSocket(url, headers, caPem),
  };
}
