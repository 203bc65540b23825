/**
 * The nodes a page can fail over to: a node's `GET /api/clients` answer
 * (`{"activeNodes":[{"address","clientport"}]}`, docs/WEB.md) turned into
 * WebSocket URLs. Pure, so it is tested on its own.
 *
 * Invariant: only well-formed entries become URLs (a string address, a port in
 * 1..65535); anything else in the answer is skipped, never thrown on.
 * @module
 */

/** `ws://ADDRESS:PORT/` (or `wss:`) for each usable entry, in the node's order. */
export function failoverUrls(body: unknown, secure: boolean): string[] {
  const list = (body as { activeNodes?: unknown } | null)?.activeNodes;
  if (!Array.isArray(list)) return [];
  const scheme = secure ? "wss" : "ws";
  const urls: string[] = [];
  for (const entry of list) {
    const { address, clientport } = (entry ?? {}) as { address?: unknown; clientport?: unknown };
    if (typeof address !== "string" || !/^[0-9A-Za-z.:\-\[\]]{1,255}$/.test(address)) continue;
    if (!Number.isInteger(clientport) || (clientport as number) < 1) continue;
    if ((clientport as number) > 65535) continue;
    const host = address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
    urls.push(`${scheme}://${host}:${clientport}/`);
  }
  return urls;
}
