/**
 * The node's whole peer side, wired: the mesh, the `/peer` endpoint, the dialer
 * and the membership source (discovery, or a static `--peers` list). main.ts
 * creates it before `Bun.serve` (the transport needs the endpoint), starts it
 * once the real port is known, and closes it on shutdown.
 *
 * Invariant: a standalone node (neither discovery nor peers) still answers
 * `/peer` and counts 0 peers; close() logs out of discovery and closes every
 * link with 1001, and nothing dials after it.
 * @module
 */

import { hostForUrl, splitHostPort } from "../../common/host_address.ts";
import type { ActiveNode, ClientEntry } from "../../common/discovery_protocol.ts";
import { createPeerAuth, type PeerAuth } from "../../common/peer_auth_token.ts";
import type { Logger } from "../../common/logger.ts";
import type { MetricsRegistry } from "../observability/metrics_registry.ts";
import {
  type DiscoveryMembership,
  startDiscoveryMembership,
} from "../membership/discovery_membership.ts";
import type { Outbound } from "../process/outbound.ts";
import { type DialTarget, healthzNodeId, PeerDialer } from "./peer_dialer.ts";
import { createPeerEndpoint, type PeerEndpoint } from "./peer_endpoint.ts";
import type { MeshNode } from "./peer_link.ts";
import { PeerMesh } from "./peer_mesh.ts";
import type { Replicator, ReplicatorHost } from "../replication/replicator.ts";
import { KnownClients } from "../replication/known_clients.ts";
import { TransportGuard } from "../replication/transport_guard.ts";

export interface PeerNetworkOptions {
  node: MeshNode;
  secret: string;
  log: Logger;
  /** Anti-entropy period. @default 3000 */
  syncIntervalMs?: number;
  /** A link silent this long is closed. @default 15_000 (the mesh's own default) */
  peerTimeoutMs?: number;
  /** Where `dsatter_sync_lag_messages` is reported (the peer count is the transport's). */
  metrics?: MetricsRegistry;
  /** How to reach discovery and peers (TLS trust of `--ca`). @default plain fetch and sockets */
  outbound?: Outbound;
  /** This node serves TLS: discovery is told, so peers and clients dial wss://. */
  tls?: boolean;
  /** Discovery's first list holds backbone nodes: this start must fail. @default logs it */
  onMixedStart?: (message: string) => void;
}

export interface PeerNetworkStart {
  /** The node's real port (clients and `/peer`). */
  port: number;
  /** `--advertise`: the address peers and clients dial. */
  advertise?: string;
  /** `--advertise-peer`: where peers dial instead. */
  advertisePeer?: { host: string; port: number };
  /** `--discovery` with the identity registered there. */
  discoveryUrl?: string;
  identity?: { nodeId: number; password: string };
  /** `--peers`: static list instead of discovery. */
  peers?: string[];
  /** Connected clients, for the discovery heartbeat. */
  load?: () => number;
  /** Region reported to discovery with each heartbeat (`--region`). */
  region?: string;
}

/** The mesh implementation of the replication seam (server/replication/replicator.ts). */
export interface PeerNetwork extends Replicator {
  endpoint: PeerEndpoint;
  mesh: PeerMesh;
  start(options: PeerNetworkStart): void;
  /** Leaves discovery's lists (logs out, stops heartbeats) but keeps every peer link. */
  leaveDiscovery(): Promise<void>;
}

/** What GET /metrics shows of the mesh: sync lag and replication bytes. */
function registerMeshGauges(metrics: MetricsRegistry, mesh: PeerMesh): void {
  metrics.gauge(
    "dsatter_sync_lag_messages",
    "Messages peers are known to hold that this node lacks (set by the mesh)",
  ).collectWith(() => mesh.syncLag());
  metrics.gauge(
    "dsatter_replication_bytes_sent",
    "Bytes this node sent to replicate (peer frames)",
  ).collectWith(() => mesh.traffic.sent);
  metrics.gauge(
    "dsatter_replication_bytes_received",
    "Bytes this node received to replicate (peer frames)",
  ).collectWith(() => mesh.traffic.received);
}

/** `/peer`'s endpoint, counting refused dials by reason. */
function meshEndpoint(options: PeerNetworkOptions, mesh: PeerMesh, auth: PeerAuth): PeerEndpoint {
  const refusals = options.metrics?.labelledCounter(
    "dsatter_peer_dials_refused_total",
    "Dials at /peer refused before the upgrade (401), by reason",
    "reason",
  );
  return createPeerEndpoint({ mesh, auth, log: options.log, refusals });
}

/** The dialer of the peers this node links to (their ids looked up on /healthz). */
function meshDialer(
  options: PeerNetworkOptions,
  mesh: PeerMesh,
  auth: PeerAuth,
  syncIntervalMs: number,
): PeerDialer {
  return new PeerDialer({
    mesh,
    auth,
    log: options.log,
    backoffMaxMs: Math.min(10_000, Math.max(1000, syncIntervalMs)),
    connectTimeoutMs: Math.min(10_000, Math.max(2000, 2 * syncIntervalMs)),
    openSocket: options.outbound?.openWebSocket,
    lookupNodeId: healthzNodeId(options.outbound?.fetch),
  });
}

export function createPeerNetwork(options: PeerNetworkOptions): PeerNetwork {
  const syncIntervalMs = options.syncIntervalMs ?? 3000;
  const peerTimeoutMs = options.peerTimeoutMs;
  const auth = createPeerAuth(options.secret);
  const mesh = new PeerMesh({
    node: options.node,
    auth,
    log: options.log,
    syncIntervalMs,
    deadAfterMs: peerTimeoutMs,
  });
  if (options.metrics) registerMeshGauges(options.metrics, mesh);
  const endpoint = meshEndpoint(options, mesh, auth);
  const dialer = meshDialer(options, mesh, auth, syncIntervalMs);
  let membership: DiscoveryMembership | undefined;
  let clientEntries: ClientEntry[] = [];
  const guard = new TransportGuard({
    mine: "mesh",
    log: options.log,
    onMixedStart: options.onMixedStart ?? ((message) => options.log.error(message)),
  });

  const known = new KnownClients();
  function setClientEntries(entries: ClientEntry[]): void {
    clientEntries = entries;
    known.remember(entries);
  }

  return {
    transport: "mesh",
    endpoint,
    mesh,
    peersConnected: () => mesh.peersConnected(),
    peerClients: () => clientEntries,
    knownClients: () => known.list(),
    start(start) {
      if (start.peers && start.peers.length > 0) {
        dialer.setTargets(start.peers.map((peer) => ({ url: peerUrl(peer) })));
        setClientEntries(start.peers.map(clientEntryOfPeer));
        options.log.info("peers from static list", { count: start.peers.length });
      } else if (start.discoveryUrl && start.identity) {
        membership = startDiscoveryMembership({
          discoveryUrl: start.discoveryUrl,
          secret: options.secret,
          identity: start.identity,
          port: start.port,
          advertise: start.advertise,
          advertisePeer: start.advertisePeer,
          region: start.region,
          load: start.load ?? (() => 0),
          transport: "mesh",
          onNodes: (listed) => {
            const nodes = guard.admit(listed);
            dialer.setTargets(nodes.map(dialTargetOf));
            setClientEntries(nodes.map(({ address, clientport }) => ({ address, clientport })));
          },
          log: options.log,
          tls: options.tls,
          fetch: options.outbound?.fetch,
        });
      }
    },
    async leaveDiscovery() {
      await membership?.close();
    },
    async close() {
      dialer.close();
      await membership?.close();
      mesh.close();
    },
  };
}

/** The transport as startPeerNetwork needs it (server/transport/bun_transport.ts). */
export type PeerTransport = ReplicatorHost;

export interface StartPeerNetworkOptions extends PeerNetworkOptions {
  transport: PeerTransport;
  mode:
    | { kind: "standalone" }
    | { kind: "peers"; peers: string[] }
    | { kind: "discovery"; discoveryUrl: string };
  identity: { nodeId: number; password: string };
  /** `--advertise` as given: HOST or HOST:PORT. */
  advertise?: string;
  /** `--advertise-peer` as given: HOST or HOST:PORT. */
  advertisePeer?: string;
  /** `--region`, reported to discovery. */
  region?: string;
}

/**
 * main.ts's one call: creates the network, plugs its endpoint into the transport
 * and starts membership for the mode (a standalone node only accepts).
 */
export function startPeerNetwork(options: StartPeerNetworkOptions): PeerNetwork {
  const network = createPeerNetwork(options);
  const { transport, mode } = options;
  options.transport.setPeerEndpoint(network.endpoint, () => network.peersConnected());
  const advertised = options.advertise ? splitHostPort(options.advertise) : undefined;
  network.start({
    port: advertised?.port ?? transport.port,
    advertise: advertised?.host,
    advertisePeer: peerEndpoint(options.advertisePeer, transport.port),
    discoveryUrl: mode.kind === "discovery" ? mode.discoveryUrl : undefined,
    identity: options.identity,
    peers: mode.kind === "peers" ? mode.peers : undefined,
    load: () => transport.clientCount(),
    region: options.region,
  });
  return network;
}

/** `--advertise-peer` HOST[:PORT] as an endpoint; without a port, the node's real one. */
function peerEndpoint(
  advertisePeer: string | undefined,
  listeningPort: number,
): { host: string; port: number } | undefined {
  if (advertisePeer === undefined) return undefined;
  const { host, port } = splitHostPort(advertisePeer);
  return { host, port: port ?? listeningPort };
}

/**
 * Where to dial a node that discovery lists: its syncaddress when it has one, else address;
 * `wss://` when it says `"tls": true`.
 */
export function dialTargetOf(node: ActiveNode): DialTarget {
  const host = hostForUrl(node.syncaddress ?? node.address);
  const scheme = node.tls ? "wss" : "ws";
  return { url: `${scheme}://${host}:${node.syncport}/peer`, nodeId: node.id };
}

/** A `--peers` entry (`HOST:PORT`, `http://HOST:PORT`, `ws://HOST:PORT/...`) as a `/peer` URL. */
export function peerUrl(entry: string): string {
  const text = entry.trim();
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `ws://${text}`;
  const url = new URL(withScheme);
  if (!url.port) throw new TypeError(`Cannot use peer ${JSON.stringify(entry)}: no port`);
  const scheme = url.protocol === "https:" || url.protocol === "wss:" ? "wss" : "ws";
  return `${scheme}://${url.host}/peer`;
}

/** A `--peers` entry as the web page's failover address (docs/WEB.md). */
function clientEntryOfPeer(entry: string): ClientEntry {
  const url = new URL(peerUrl(entry));
  return { address: url.hostname.replace(/^\[|\]$/g, ""), clientport: Number(url.port) };
}
