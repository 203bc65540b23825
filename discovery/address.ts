/**
 * The address a node is listed under: one a client can dial as
 * `ws://ADDRESS:PORT/`. IPv4-mapped IPv6 loses its `::ffff:` prefix, other IPv6
 * literals get brackets, and unspecified addresses (0.0.0.0, ::) are never listed.
 *
 * Invariant: the result is never empty, never `::ffff:`-prefixed, never 0.0.0.0.
 * @module
 */

import { hostForUrl, isUnspecifiedHost, unmapIpv4 } from "../common/host_address.ts";

/** A host as clients should dial it, or undefined when it cannot be dialled. */
export function normaliseAddress(raw: string): string | undefined {
  const host = unmapIpv4(raw.trim()).replace(/^\[(.*)\]$/, "$1");
  if (host === "" || isUnspecifiedHost(host)) return undefined;
  return hostForUrl(host.includes(":") ? host.toLowerCase() : host);
}

/**
 * The node's advertised address when it gave a usable one, otherwise the address
 * its request came from; undefined when neither is usable.
 */
export function chooseNodeAddress(
  advertised: string | undefined,
  peerAddress: string | undefined,
): string | undefined {
  const fromNode = advertised === undefined ? undefined : normaliseAddress(advertised);
  if (fromNode) return fromNode;
  return peerAddress === undefined ? undefined : normaliseAddress(peerAddress);
}
