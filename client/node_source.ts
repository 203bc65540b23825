/**
 * Which nodes to try, in which order. With `--server`, the given list; else
 * discovery's `GET /api/clients` (live nodes, best first), falling back to the
 * last list it gave when discovery itself is down, so a client keeps failing
 * over between nodes it knows while discovery restarts.
 *
 * Invariant: the node just lost is tried last, never first, so a dead node
 * that discovery still lists (until its TTL runs out) does not stall failover.
 * @module
 */

export interface ClientNode {
  address: string;
  clientport: number;
}

/** The WebSocket URL of a node as discovery lists it (IPv6 addresses in brackets). */
export function nodeWebSocketUrl(node: ClientNode): string {
  const host = node.address.includes(":") && !node.address.startsWith("[")
    ? `[${node.address}]`
    : node.address;
  return `ws://${host}:${node.clientport}/`;
}

/** Reads `{"activeNodes":[{address, clientport}]}`; throws when it is not that shape. */
export function parseClientNodes(body: unknown): ClientNode[] {
  const list = (body as { activeNodes?: unknown } | null)?.activeNodes;
  if (!Array.isArray(list)) throw new Error("the answer has no activeNodes list");
  const nodes: ClientNode[] = [];
  for (const item of list) {
    const node = item as Record<string, unknown> | null;
    if (
      node && typeof node.address === "string" && node.address.length > 0 &&
      Number.isInteger(node.clientport) && (node.clientport as number) > 0 &&
      (node.clientport as number) < 65536
    ) nodes.push({ address: node.address, clientport: node.clientport as number });
  }
  return nodes;
}

/** The candidates in order, without duplicates, with `lastLost` moved to the end. */
export function orderCandidates(urls: readonly string[], lastLost?: string): string[] {
  const unique = [...new Set(urls)];
  if (lastLost === undefined || !unique.includes(lastLost)) return unique;
  return [...unique.filter((url) => url !== lastLost), lastLost];
}

export interface NodeSource {
  /** The node URLs to try now, best first. Throws a one-line Error when there is no way to know. */
  candidates(signal: AbortSignal): Promise<string[]>;
}

/** The fixed list given with `--server`. */
export function staticNodeSource(urls: readonly string[]): NodeSource {
  return { candidates: () => Promise.resolve([...urls]) };
}

export interface DiscoveryNodeSourceOptions {
  discoveryUrl: string;
  /** Asked as `?region=`: discovery puts that region's nodes first. */
  region?: string;
  /** Per request. @default 5000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Asks discovery each time; remembers the last good answer for when discovery is down. */
export function discoveryNodeSource(options: DiscoveryNodeSourceOptions): NodeSource & {
  lastError(): string | undefined;
} {
  const { discoveryUrl, region, timeoutMs = 5000, fetch: fetchImpl = fetch } = options;
  let lastKnown: string[] = [];
  let lastError: string | undefined;
  return {
    lastError: () => lastError,
    async candidates(signal: AbortSignal): Promise<string[]> {
      try {
        const urls =
          (await fetchClientNodes(discoveryUrl, { timeoutMs, signal, fetch: fetchImpl, region }))
            .map(nodeWebSocketUrl);
        lastError = undefined;
        if (urls.length > 0) lastKnown = urls;
        return urls.length > 0 ? urls : [];
      } catch (error) {
        lastError = (error as Error).message;
        if (lastKnown.length > 0) return lastKnown;
        throw error;
      }
    },
  };
}

/** `GET {discovery}/api/clients`, with a deadline; errors say what went wrong in one line. */
export async function fetchClientNodes(
  discoveryUrl: string,
  options: { timeoutMs: number; signal?: AbortSignal; fetch?: typeof fetch; region?: string },
): Promise<ClientNode[]> {
  const query = options.region ? `?region=${encodeURIComponent(options.region)}` : "";
  const url = `${discoveryUrl}/api/clients${query}`;
  const signals = [AbortSignal.timeout(options.timeoutMs)];
  if (options.signal) signals.push(options.signal);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: AbortSignal.any(signals) });
  } catch (error) {
    const reason = (error as Error).name === "TimeoutError"
      ? `no answer within ${options.timeoutMs} ms`
      : networkReason(error as Error);
    throw new Error(`Cannot reach discovery at ${discoveryUrl}: ${reason}`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(
      `Cannot use discovery at ${discoveryUrl}: GET /api/clients gave ${response.status}`,
    );
  }
  try {
    return parseClientNodes(await response.json());
  } catch (error) {
    throw new Error(
      `Cannot use discovery at ${discoveryUrl}: ${firstLine((error as Error).message)}`,
      { cause: error },
    );
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
