/**
 * Which nodes to try, in which order: the `NodeSource` seam of the failover
 * loop, a fixed list, and the shape both discovery's and a node's
 * `GET /api/clients` answer with (`{"activeNodes":[{address, clientport}]}`)
 * turned into WebSocket URLs. Sources that ask a service: discovery_source.ts
 * (discovery) and node_list_source.ts (a node's own list of its peers).
 *
 * Invariants: the node just lost is tried last, never first, so a dead node
 * that discovery still lists (until its TTL runs out) does not stall failover;
 * only well-formed entries (a host, a port in 1..65535) ever become URLs.
 * @module
 */

import { hostForUrl, hostKind } from "../common/host_address.ts";
import { isIntAtLeast, isRecord } from "../common/value_checks.ts";

export interface ClientNode {
  address: string;
  clientport: number;
}

export interface NodeSource {
  /** The node URLs to try now, best first. Throws a one-line Error when there is no way to know. */
  candidates(signal: AbortSignal): Promise<string[]>;
  /**
   * Told once a connection to `url` is ready (and again from time to time while it
   * lasts): a source may ask that node which other nodes it knows.
   */
  connectedTo?(url: string, signal: AbortSignal): Promise<void>;
}

/** The WebSocket URL of a node as /api/clients lists it (IPv6 addresses in brackets). */
export function nodeWebSocketUrl(node: ClientNode, secure = false): string {
  return `${secure ? "wss" : "ws"}://${hostForUrl(node.address)}:${node.clientport}/`;
}

/** Reads `{"activeNodes":[{address, clientport}]}`; throws when it is not that shape. */
export function parseClientNodes(body: unknown): ClientNode[] {
  const list = isRecord(body) ? body.activeNodes : undefined;
  if (!Array.isArray(list)) throw new Error("the answer has no activeNodes list");
  const nodes: ClientNode[] = [];
  for (const item of list) {
    if (!isRecord(item)) continue;
    const { address, clientport } = item;
    if (typeof address !== "string" || hostKind(address) === undefined) continue;
    if (!isIntAtLeast(clientport, 1) || clientport > 65535) continue;
    nodes.push({ address, clientport });
  }
  return nodes;
}

/** The candidates in order, without duplicates, with `lastLost` moved to the end. */
export function orderCandidates(urls: readonly string[], lastLost?: string): string[] {
  const unique = [...new Set(urls)];
  if (lastLost === undefined || !unique.includes(lastLost)) return unique;
  return [...unique.filter((url) => url !== lastLost), lastLost];
}

/** A fixed list of node URLs (the terminal's `--server`, an embedder's own list). */
export function staticNodeSource(urls: readonly string[]): NodeSource {
  return { candidates: () => Promise.resolve([...urls]) };
}

export interface FetchClientNodesOptions {
  /** Per request. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Sent as `Authorization: Bearer` (a node with auth on wants it, section 6). */
  token?: string;
}

/**
 * `GET {baseUrl}/api/clients{query}`, with a deadline; errors say in one line what
 * went wrong, naming the service (`what`): "Cannot reach discovery at URL: reason".
 */
export async function fetchClientNodes(
  what: string,
  baseUrl: string,
  query: string,
  options: FetchClientNodesOptions,
): Promise<ClientNode[]> {
  const signals = [AbortSignal.timeout(options.timeoutMs)];
  if (options.signal) signals.push(options.signal);
  const headers: Record<string, string> = options.token
    ? { authorization: `Bearer ${options.token}` }
    : {};
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${baseUrl}/api/clients${query}`, {
      signal: AbortSignal.any(signals),
      headers,
    });
  } catch (error) {
    const reason = (error as Error).name === "TimeoutError"
      ? `no answer within ${options.timeoutMs} ms`
      : networkReason(error as Error);
    throw new Error(`Cannot reach ${what} at ${baseUrl}: ${reason}`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`Cannot use ${what} at ${baseUrl}: GET /api/clients gave ${response.status}`);
  }
  try {
    return parseClientNodes(await response.json());
  } catch (error) {
    const reason = firstLine((error as Error).message);
    throw new Error(`Cannot use ${what} at ${baseUrl}: ${reason}`, { cause: error });
  }
}

/** The useful part of a fetch failure ("connection refused"), not "fetch failed". */
function networkReason(error: Error): string {
  const detail = `${error.message} ${String((error.cause as Error | undefined)?.message ?? "")}`;
  if (/connection refused/i.test(detail)) return "connection refused";
  if (/dns|lookup|name or service not known|failed to lookup/i.test(detail)) {
    return "host not found";
  }
  return firstLine(error.message);
}

function firstLine(text: string): string {
  return text.split("\n")[0];
}
