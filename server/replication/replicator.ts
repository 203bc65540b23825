/**
 * The replication seam: how a chat node reaches the other nodes of its cluster.
 * Two implementations exist, chosen in main.ts: the full mesh of WebSocket links
 * (server/mesh/, the default) and the NATS JetStream backbone (server/backbone/,
 * `--backbone`). Both feed the core through the same entry path
 * (`acceptRemote` and friends below), so contiguity, the hybrid clock,
 * idempotency, chats, presence and `since` resume behave the same on either.
 *
 * Invariant: a replicator never writes to the store itself; every message it
 * brings goes through `ReplicaNode.acceptRemote`, and it only ever sends what
 * the node has committed (`onLocalCommitted`, `readAfter`).
 * @module
 */

import type { ClientEntry } from "../../common/discovery_protocol.ts";
import type { PeerChat, PeerPresenceMember } from "../../common/peer_protocol.ts";
import type { ChatMessage, TypingEventPayload, VectorWire } from "../../common/protocol.ts";
import type { ReplicatedUpdate } from "../../common/peer_update_protocol.ts";
import type { PeerEndpointHook } from "../transport/bun_transport.ts";
import type { RemoteOutcome } from "../core/remote_screen.ts";

/** Which replication a node runs; a cluster runs exactly one (docs/BACKBONE.md). */
export type ReplicationTransport = "mesh" | "nats";

/** The chat node as a replicator sees it (server/core/chat_node.ts implements it). */
export interface ReplicaNode {
  readonly nodeId: number;
  /** Contiguous committed marks per origin. */
  vector(): VectorWire;
  /** Committed messages of one origin after afterSeq, in seq order, hidden copies included. */
  readAfter(originNodeId: number, afterSeq: number, limit: number): ChatMessage[];
  /**
   * Stores messages from another node: idempotent, any order, gaps held back; resolves
   * with what it refused (stamped too far ahead, this node's own seqs, malformed).
   */
  acceptRemote(messages: ChatMessage[]): Promise<RemoteOutcome>;
  /** A catch-up page with more to come was stored or served (server/mesh/anti_entropy.ts). */
  noteCatchUp?(): void;
  chats(): PeerChat[];
  acceptRemoteChats(chats: PeerChat[]): void | Promise<void>;
  /** This node's own messages, after their commit, batched per tick. */
  onLocalCommitted(listener: (messages: ChatMessage[]) => void): () => void;
  onLocalChatCreated(listener: (chat: PeerChat) => void): () => void;
  /** The hello members connected to this node. */
  localPresence(): PeerPresenceMember[];
  onLocalPresenceChanged(listener: () => void): () => void;
  /** Another node's complete member list; null when that node is gone. */
  setRemotePresence(nodeId: number, members: PeerPresenceMember[] | null): void;
  /**
   * The update log of edits and deletes (section 7), replicated like messages in a
   * numbering of its own: marks, reads, remote updates, this node's own after commit.
   */
  readonly updates: {
    vector(): VectorWire;
    readAfter(originNodeId: number, afterSeq: number, limit: number): ReplicatedUpdate[];
    acceptRemote(updates: ReplicatedUpdate[]): Promise<void>;
    onLocalUpdated(listener: (updates: ReplicatedUpdate[]) => void): () => void;
  };
  /** Typing (section 7): live only, never stored. */
  readonly typingRelay: {
    remote(event: TypingEventPayload): void;
    onLocal(listener: (event: TypingEventPayload) => void): () => void;
  };
  /** Token holders' names (section 6: grow-only, replicated for --auth optional). */
  readonly tokenNames: {
    list(): string[];
    acceptRemote(names: readonly string[]): Promise<void>;
    onLocalNames(listener: (names: string[]) => void): () => void;
  };
}

/** What main.ts holds of the running replication. */
export interface Replicator {
  readonly transport: ReplicationTransport;
  /** Other nodes this one replicates with right now (`/healthz` peers, the gauge). */
  peersConnected(): number;
  /** The other nodes' client addresses (discovery's live list, or `--peers`), for the web page. */
  peerClients(): ClientEntry[];
  /**
   * Every other node's client address seen live since this node started (the Origin check:
   * a page served by a node that died fails over with that node's origin).
   */
  knownClients(): ClientEntry[];
  /** Leaves discovery's lists (logs out, stops heartbeats) but keeps replicating (draining). */
  leaveDiscovery(): Promise<void>;
  /** Stops every loop, leaves the cluster cleanly (logout, links closed with 1001). */
  close(): Promise<void>;
}

/** The node's HTTP transport as a replicator needs it (server/transport/bun_transport.ts). */
export interface ReplicatorHost {
  /** The node's real port (clients and `/peer`). */
  readonly port: number;
  /** Plugs in what answers `/peer` and what `/healthz` counts as peers. */
  setPeerEndpoint(endpoint: PeerEndpointHook, peerCount: () => number): void;
  clientCount(): number;
}
