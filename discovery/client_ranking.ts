/**
 * Which node a client should try first (`GET /api/clients`): same region as the
 * asking client when it names one, then the least loaded, ties in random order so
 * that equal nodes share new clients.
 *
 * Invariant: every input node appears exactly once, as exactly
 * `{address, clientport}` in that key order (the original clients' shape).
 * @module
 */

import type { ActiveNode, ClientEntry } from "../common/discovery_protocol.ts";

export interface RankOptions {
  /** The asking client's region, from `?region=`. */
  region?: string;
  /** Uniform in [0, 1). @default Math.random */
  random?: () => number;
}

export function rankNodesForClients(nodes: ActiveNode[], options: RankOptions = {}): ClientEntry[] {
  return rankNodes(nodes, options).map((node) => ({
    address: node.address,
    clientport: node.clientport,
  }));
}

/** The live nodes, best first for a client (region, then load, then chance). */
export function rankNodes(nodes: ActiveNode[], options: RankOptions = {}): ActiveNode[] {
  const random = options.random ?? Math.random;
  const region = options.region;
  const keyed = nodes.map((node) => ({ node, tieBreak: random() }));
  keyed.sort((a, b) => {
    if (region !== undefined) {
      const aLocal = a.node.region === region ? 0 : 1;
      const bLocal = b.node.region === region ? 0 : 1;
      if (aLocal !== bLocal) return aLocal - bLocal;
    }
    if (a.node.load !== b.node.load) return a.node.load - b.node.load;
    return a.tieBreak - b.tieBreak;
  });
  return keyed.map(({ node }) => node);
}
