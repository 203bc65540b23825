/**
 * Keeps one cluster on one replication transport. Nodes tell discovery how they
 * replicate (`transport` in login); this guard reads the live lists a node gets
 * back and refuses the nodes that replicate otherwise: a node that finds such a
 * node in its FIRST list is starting into a cluster of the other kind and is
 * told to stop (a mixed start fails clearly); one found later is never linked
 * to and is named once in the log.
 *
 * Invariant: admit() never returns a node of another transport; onMixedStart is
 * called at most once, and only for the first list.
 * @module
 */

import type { ActiveNode } from "../../common/discovery_protocol.ts";
import type { Logger } from "../../common/logger.ts";
import type { ReplicationTransport } from "./replicator.ts";

export interface TransportGuardOptions {
  mine: ReplicationTransport;
  log: Logger;
  /** The first list already holds nodes of the other transport: the start must fail. */
  onMixedStart: (message: string) => void;
}

export class TransportGuard {
  #options: TransportGuardOptions;
  #firstListSeen = false;
  #named = new Set<number>();

  constructor(options: TransportGuardOptions) {
    this.#options = options;
  }

  /** The nodes of this node's transport; the others are refused (see the module comment). */
  admit(nodes: ActiveNode[]): ActiveNode[] {
    const { mine, log } = this.#options;
    const foreign = nodes.filter((node) => transportOf(node) !== mine);
    const first = !this.#firstListSeen;
    this.#firstListSeen = true;
    if (foreign.length === 0) return nodes;
    if (first) {
      this.#options.onMixedStart(mixedClusterMessage(mine, foreign[0]));
      for (const node of foreign) this.#named.add(node.id);
    }
    for (const node of foreign) {
      if (this.#named.has(node.id)) continue;
      this.#named.add(node.id);
      log.error("node of another transport refused", {
        peer: node.id,
        address: node.address,
        transport: transportOf(node),
        mine,
      });
    }
    return nodes.filter((node) => transportOf(node) === mine);
  }
}

/** A node's transport as discovery lists it; nodes that predate the field run the mesh. */
export function transportOf(node: ActiveNode): ReplicationTransport {
  return node.transport ?? "mesh";
}

/** The one sentence a refused mixed start prints. */
export function mixedClusterMessage(mine: ReplicationTransport, other: ActiveNode): string {
  const theirs = transportOf(other);
  return `Cannot join the cluster: node ${other.id} (${other.address}:${other.clientport}) ` +
    `replicates over ${describe(theirs)} and this node over ${describe(mine)}; ` +
    `one cluster runs one transport (start every node with the same --backbone, or none)`;
}

function describe(transport: ReplicationTransport): string {
  return transport === "nats" ? "the NATS backbone (--backbone)" : "the mesh";
}
