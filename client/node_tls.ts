/**
 * Which nodes the terminal client must dial with TLS. Discovery's
 * `GET /api/clients` is binding as `{address, clientport}` and cannot say, so
 * the client reads `"tls": true` from `GET /api/nodes/active` next to it and
 * turns those nodes' `ws://` URLs into `wss://`. When that list cannot be had,
 * the last one known is used, and without any, a discovery reached over
 * https:// is taken to mean TLS nodes (docs/CLIENT.md).
 *
 * Invariant: only the scheme of a candidate changes, never its host, port or
 * order; `--server` lists are not wrapped (their scheme is the user's).
 * @module
 */

import { hostForUrl } from "../common/host_address.ts";
import type { NodeSource } from "../sdk/node_source.ts";

/** `host:port` as a URL spells it (IPv6 in brackets). */
function endpointKey(host: string, port: number | string): string {
  return `${hostForUrl(host.replace(/^\[(.*)\]$/, "$1"))}:${port}`.toLowerCase();
}

/** The `host:port` of every TLS node in a `GET /api/nodes/active` answer. */
export function tlsEndpoints(body: unknown): Set<string> {
  const list = (body as { activeNodes?: unknown } | null)?.activeNodes;
  const endpoints = new Set<string>();
  if (!Array.isArray(list)) return endpoints;
  for (const item of list) {
    const node = item as { address?: unknown; clientport?: unknown; tls?: unknown } | null;
    if (node?.tls === true && typeof node.address === "string") {
      endpoints.add(endpointKey(node.address, String(node.clientport)));
    }
  }
  return endpoints;
}

/** `ws://H:P/` as `wss://H:P/` when H:P is in `tls`, else unchanged. */
export function applyTls(url: string, tls: ReadonlySet<string>): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "ws:") return url;
  if (!tls.has(endpointKey(parsed.hostname, parsed.port || "80"))) return url;
  parsed.protocol = "wss:";
  return parsed.href;
}

export interface TlsAwareSourceOptions {
  discoveryUrl: string;
  /** @default 5000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The source's candidates with TLS nodes as `wss://`. */
export function tlsAwareNodeSource(source: NodeSource, options: TlsAwareSourceOptions): NodeSource {
  const fetchImpl = options.fetch ?? fetch;
  const assumeTls = options.discoveryUrl.startsWith("https:");
  let lastKnown: Set<string> | undefined;

  async function tlsNow(signal: AbortSignal): Promise<Set<string> | undefined> {
    try {
      const response = await fetchImpl(`${options.discoveryUrl}/api/nodes/active`, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 5000)]),
      });
      if (!response.ok) {
        await response.body?.cancel();
        return lastKnown;
      }
      lastKnown = tlsEndpoints(await response.json());
    } catch {
      // Discovery unreachable: the last list (or the discovery URL's scheme) decides.
    }
    return lastKnown;
  }

  return {
    async candidates(signal) {
      const [urls, tls] = await Promise.all([source.candidates(signal), tlsNow(signal)]);
      if (tls) return urls.map((url) => applyTls(url, tls));
      return assumeTls ? urls.map((url) => url.replace(/^ws:/, "wss:")) : urls;
    },
  };
}
