/**
 * Browser-facing guards of the node's port, in every auth mode (PROTOCOL.md
 * section 6): the Origin check of client WebSocket upgrades (cross-site
 * WebSocket hijacking) and the Host check that keeps a loopback-bound node from
 * answering pages that reached it by DNS rebinding. Pure: the transport asks,
 * these answer.
 *
 * Invariants:
 * - An upgrade without an Origin header (the terminal client, the original
 *   clients, tools) is never refused here; one with an Origin is accepted only
 *   from this node's own origin (the Host it was asked by, or its advertised
 *   address), another node of the cluster seen live since this node started
 *   (a page whose node died fails over with that node's origin), or
 *   `--allowed-origins`.
 * - A node bound to a loopback address answers only Host values that are
 *   loopback names or addresses, or its advertised host.
 * @module
 */

import { isLoopbackHost, splitHostPort } from "../../common/host_address.ts";

/** A cluster node's client address, as `/api/clients` lists it. */
export interface NodeAddress {
  address: string;
  clientport: number;
}

export interface OriginPolicyOptions {
  /** `--allowed-origins` (exact origins, or `*` for any). @default none */
  allowedOrigins?: readonly string[];
  /** This node's advertised address and port. */
  self: () => NodeAddress;
  /** The other nodes seen live (discovery's lists, or --peers). */
  peers: () => readonly NodeAddress[];
}

interface HostPort {
  host: string;
  port: number;
}

/** `scheme://host:port` of an http(s) origin, lower case, default port made explicit. */
function parseOrigin(origin: string): HostPort | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    return { host: url.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1"), port };
  } catch {
    return undefined;
  }
}

/** The canonical form of an origin for comparing with `--allowed-origins`. */
export function normalizeOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.origin === "null" ? undefined : url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

function sameNode(origin: HostPort, node: NodeAddress): boolean {
  if (origin.port !== node.clientport) return false;
  const host = node.address.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  // One machine's loopback names all reach the same node (a page from localhost:3001 and a
  // cluster that lists 127.0.0.1:3001 are one origin as far as the node is concerned).
  return host === origin.host || (isLoopbackHost(host) && isLoopbackHost(origin.host));
}

export interface OriginPolicy {
  /** True when a client upgrade with this Origin (null: none) asked by this Host may proceed. */
  allowsUpgrade(origin: string | null, hostHeader: string | null): boolean;
}

export function createOriginPolicy(options: OriginPolicyOptions): OriginPolicy {
  const listed = new Set<string>();
  let any = false;
  for (const entry of options.allowedOrigins ?? []) {
    if (entry === "*") any = true;
    const normalized = normalizeOrigin(entry);
    if (normalized) listed.add(normalized);
  }
  return {
    allowsUpgrade(origin, hostHeader) {
      if (origin === null || any) return true;
      const normalized = normalizeOrigin(origin);
      if (normalized === undefined) return false;
      if (listed.has(normalized)) return true;
      const parsed = parseOrigin(origin);
      if (!parsed) return false;
      if (hostHeader !== null) {
        const asked = splitHostPort(hostHeader.toLowerCase());
        const host = asked.host.replace(/^\[(.*)\]$/, "$1");
        if (host === parsed.host && (asked.port ?? 80) === parsed.port) return true;
      }
      return [options.self(), ...options.peers()].some((node) => sameNode(parsed, node));
    },
  };
}

/**
 * The Host check for a node bound to boundHost: undefined (no check) unless that is a
 * loopback address; else a predicate over the Host header.
 */
export function loopbackHostCheck(
  boundHost: string,
  advertisedHost: string,
): ((hostHeader: string | null) => boolean) | undefined {
  if (!isLoopbackHost(boundHost)) return undefined;
  const advertised = advertisedHost.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return (hostHeader) => {
    if (hostHeader === null) return true; // HTTP/1.0 tools; every browser sends Host
    const host = splitHostPort(hostHeader.toLowerCase()).host.replace(/^\[(.*)\]$/, "$1");
    return isLoopbackHost(host) || host === advertised;
  };
}
