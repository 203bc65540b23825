/**
 * Nodes from discovery: `GET {discovery}/api/clients` (live nodes, best
 * first) on every failover round, falling back to the last list it gave when
 * discovery itself is down, so a client keeps failing over between nodes it
 * knows while discovery restarts.
 *
 * Invariant: candidates() throws only when discovery cannot be asked and no
 * list was ever had; an empty answer is an empty list, never an old one.
 * @module
 */

import { fetchClientNodes, type NodeSource, nodeWebSocketUrl } from "./node_source.ts";

export interface DiscoveryNodeSourceOptions {
  discoveryUrl: string;
  /** Asked as `?region=`: discovery puts that region's nodes first. */
  region?: string;
  /** Per request. @default 5000 */
  timeoutMs?: number;
  /** Dial the nodes with `wss://`. @default false */
  secure?: boolean;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Asks discovery each time; remembers the last good answer for when discovery is down. */
export function discoveryNodeSource(options: DiscoveryNodeSourceOptions): NodeSource & {
  lastError(): string | undefined;
} {
  const { discoveryUrl, region, timeoutMs = 5000, secure = false } = options;
  const query = region ? `?region=${encodeURIComponent(region)}` : "";
  let lastKnown: string[] = [];
  let lastError: string | undefined;
  return {
    lastError: () => lastError,
    async candidates(signal) {
      try {
        const nodes = await fetchClientNodes("discovery", discoveryUrl, query, {
          timeoutMs,
          signal,
          fetch: options.fetch,
        });
        const urls = nodes.map((node) => nodeWebSocketUrl(node, secure));
        lastError = undefined;
        if (urls.length > 0) lastKnown = urls;
        return urls;
      } catch (error) {
        lastError = (error as Error).message;
        if (lastKnown.length > 0) return lastKnown;
        throw error;
      }
    },
  };
}
