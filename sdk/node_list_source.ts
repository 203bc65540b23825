/**
 * Nodes from nodes: the nodes a client was pointed at (the one that served the
 * web page, or an embedder's list) come first, then the other live nodes the
 * node it is connected to listed at its `GET /api/clients`, asked once a
 * connection is ready and from time to time while it lasts (connectedTo()).
 * The list is kept while the client is elsewhere, and used when the nodes it
 * was pointed at are gone.
 *
 * Invariant: candidates() never waits on the network (a frozen node must not
 * delay failover); `askOnly` limits which nodes are asked (a page may only ask
 * its own origin under its Content-Security-Policy).
 * @module
 */

import { fetchClientNodes, type NodeSource, nodeWebSocketUrl } from "./node_source.ts";

export interface NodeListSourceOptions {
  /** The nodes to try first, `ws://HOST:PORT/` or `wss://...`, in order. */
  nodeUrls: readonly string[];
  /** Which connected nodes may be asked for the list. @default every one */
  askOnly?: (url: string) => boolean;
  /** Per request. @default 5000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Sent as `Authorization: Bearer` (section 6). */
  token?: () => string | undefined;
}

/** The HTTP origin of a node's WebSocket URL (ws -> http, wss -> https). */
export function nodeHttpUrl(webSocketUrl: string): string {
  const url = new URL(webSocketUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  return url.origin;
}

export function nodeListSource(options: NodeListSourceOptions): NodeSource {
  let peers: string[] = [];
  return {
    candidates: () => Promise.resolve([...new Set([...options.nodeUrls, ...peers])]),
    async connectedTo(url, signal) {
      if (options.askOnly && !options.askOnly(url)) return;
      try {
        const nodes = await fetchClientNodes("node", nodeHttpUrl(url), "", {
          timeoutMs: options.timeoutMs ?? 5000,
          signal,
          fetch: options.fetch,
          token: options.token?.(),
        });
        const secure = url.startsWith("wss:");
        const urls = nodes.map((node) => nodeWebSocketUrl(node, secure));
        if (urls.length > 0) peers = urls;
      } catch { /* keep the peers known so far */ }
    },
  };
}
