/**
 * The NATS JetStream backbone, wired: the second implementation of the
 * replication seam (server/replication/replicator.ts), chosen in main.ts by
 * `--backbone`. Discovery still hands out the node id and the client list; the
 * node dials no peer. Its committed messages go to the cluster's stream
 * (publisher), every node reads the stream through its durable consumer into
 * `acceptRemote` (consumer), and beats, presence, anti-entropy, chat pages,
 * section 7 events and token holders' names travel over core NATS (peers,
 * presence, chat pages, events, token names). See docs/BACKBONE.md.
 *
 * Invariant: `/peer` on a backbone node answers 409 (a mesh node cannot link to
 * it); nothing waits for NATS before the node serves its clients: the
 * connection is made (and remade) in the background and everything committed
 * meanwhile is published once it is up.
 * @module
 */

import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { backboneNames } from "../../common/backbone_protocol.ts";
import type { ClientEntry } from "../../common/discovery_protocol.ts";
import { splitHostPort } from "../../common/host_address.ts";
import { backoffDelayMs } from "../../common/backoff.ts";
import type { BackboneSettings } from "../config/backbone_settings.ts";
import { sleep } from "../../common/abortable_sleep.ts";
import {
  type DiscoveryMembership,
  startDiscoveryMembership,
} from "../membership/discovery_membership.ts";
import type { Logger } from "../../common/logger.ts";
import type { MetricsRegistry } from "../observability/metrics_registry.ts";
import type { ReplicaNode, Replicator, ReplicatorHost } from "../replication/replicator.ts";
import { KnownClients } from "../replication/known_clients.ts";
import { TransportGuard } from "../replication/transport_guard.ts";
import { createBackboneAuth } from "./backbone_auth.ts";
import { BackboneConsumer } from "./backbone_consumer.ts";
import { BackboneEvents } from "./backbone_events.ts";
import { BackbonePeers } from "./backbone_peers.ts";
import { BackbonePresence } from "./backbone_presence.ts";
import { BackbonePublisher } from "./backbone_publisher.ts";
import { BackboneTokenNames } from "./backbone_token_names.ts";
import type { LivePeersPartOptions } from "./backbone_messages.ts";
import { lastPublishedSeq } from "./backbone_stream.ts";
import { publishChat } from "./backbone_chat_pages.ts";
import { refusingPeerEndpoint } from "./refusing_peer_endpoint.ts";

export interface StartBackboneOptions {
  node: ReplicaNode;
  host: ReplicatorHost;
  secret: string;
  log: Logger;
  metrics?: MetricsRegistry;
  /** `--backbone`: the NATS servers. */
  servers: string[];
  settings: BackboneSettings;
  /** Discovery: node id already registered; the node logs in with `transport: "nats"`. */
  discovery: {
    url: string;
    identity: { nodeId: number; password: string };
    advertise?: string;
    region?: string;
    /** This node serves TLS: discovery lists it with `"tls": true` (clients dial wss://). */
    tls?: boolean;
    /** The fetch that reaches discovery (one trusting `--ca`). @default fetch */
    fetch?: typeof fetch;
  };
  /** Anti-entropy period. @default 3000 */
  syncIntervalMs?: number;
  /** A node not heard this long is gone. @default 15_000 */
  peerTimeoutMs?: number;
  /** Discovery's first list holds mesh nodes: this start must fail. */
  onMixedStart: (message: string) => void;
}

/** At most this many own messages are republished when the stream holds none of this node's. */
export const REPUBLISH_CAP = 10_000;

export function startBackbone(options: StartBackboneOptions): Replicator {
  const backbone = new BackboneReplicator(options);
  backbone.start();
  return backbone;
}

/** What runs once the NATS connection is up. */
interface BackboneParts {
  peers: BackbonePeers;
  presence: BackbonePresence;
  publisher: BackbonePublisher;
  consumer: BackboneConsumer;
  events: BackboneEvents;
  tokenNames: BackboneTokenNames;
  unsubscribe: Array<() => void>;
}

/** One node's backbone: its NATS connection (made and remade in the background) and its parts. */
class BackboneReplicator implements Replicator {
  readonly transport = "nats";
  #options: StartBackboneOptions;
  #auth: ReturnType<typeof createBackboneAuth>;
  #names: ReturnType<typeof backboneNames>;
  #stop = new AbortController();
  #clientEntries: ClientEntry[] = [];
  #known = new KnownClients();
  #parts: BackboneParts | undefined;
  #nc: NatsConnection | undefined;
  #membership: DiscoveryMembership | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(options: StartBackboneOptions) {
    this.#options = options;
    this.#auth = createBackboneAuth(options.secret);
    this.#names = backboneNames(this.#auth.tag);
  }

  start(): void {
    const { host } = this.#options;
    host.setPeerEndpoint(refusingPeerEndpoint(), () => this.peersConnected());
    this.#registerGauges();
    this.#membership = this.#startMembership();
    this.#running = this.#connectLoop();
  }

  peersConnected(): number {
    return this.#parts?.peers.peersConnected() ?? 0;
  }

  peerClients(): ClientEntry[] {
    return this.#clientEntries;
  }

  knownClients(): ClientEntry[] {
    return this.#known.list();
  }

  async leaveDiscovery(): Promise<void> {
    await this.#membership?.close();
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#running.catch(() => {});
    const parts = this.#parts;
    if (parts) {
      for (const unsubscribe of parts.unsubscribe) unsubscribe();
      parts.publisher.close();
      parts.presence.close();
      parts.events.close();
      parts.tokenNames.close();
      await parts.peers.close();
      await parts.consumer.close();
    }
    await this.#nc?.close().catch(() => {});
    await this.#membership?.close();
  }

  #registerGauges(): void {
    const metrics = this.#options.metrics;
    metrics?.gauge(
      "dsatter_sync_lag_messages",
      "Messages peers are known to hold that this node lacks",
    ).collectWith(() => this.#parts?.peers.syncLag() ?? 0);
    metrics?.gauge("dsatter_backbone_connected", "1 while the NATS connection is up")
      .collectWith(() => this.#nc && !this.#nc.isClosed() && this.#parts ? 1 : 0);
    metrics?.gauge(
      "dsatter_replication_bytes_sent",
      "Bytes this node sent on its NATS connection (payloads, headers, protocol)",
    ).collectWith(() => this.#nc?.stats().outBytes ?? 0);
    metrics?.gauge(
      "dsatter_replication_bytes_received",
      "Bytes this node received on its NATS connection (payloads, headers, protocol)",
    ).collectWith(() => this.#nc?.stats().inBytes ?? 0);
  }

  /** Logs in with `transport: "nats"`; a listed mesh node refuses the start (TransportGuard). */
  #startMembership(): DiscoveryMembership {
    const { discovery, host, log } = this.#options;
    const guard = new TransportGuard({
      mine: "nats",
      log,
      onMixedStart: this.#options.onMixedStart,
    });
    const advertised = discovery.advertise ? splitHostPort(discovery.advertise) : undefined;
    return startDiscoveryMembership({
      discoveryUrl: discovery.url,
      secret: this.#options.secret,
      identity: discovery.identity,
      port: advertised?.port ?? host.port,
      advertise: advertised?.host,
      region: discovery.region,
      load: () => host.clientCount(),
      transport: "nats",
      tls: discovery.tls,
      fetch: discovery.fetch,
      onNodes: (listed) => {
        this.#clientEntries = guard.admit(listed).map(({ address, clientport }) => ({
          address,
          clientport,
        }));
        this.#known.remember(this.#clientEntries);
      },
      log,
    });
  }

  /** The parts on one connection; publishing resumes from what the stream holds of ours. */
  async #runParts(connection: NatsConnection): Promise<BackboneParts> {
    const { node, log, settings } = this.#options;
    const names = this.#names;
    const auth = this.#auth;
    const js = jetstream(connection);
    const jsm = await jetstreamManager(connection);
    const presence = new BackbonePresence({ node, nc: connection, names, auth, log });
    const peers = new BackbonePeers({
      node,
      nc: connection,
      names,
      auth,
      presence,
      log,
      syncIntervalMs: this.#options.syncIntervalMs,
      peerTimeoutMs: this.#options.peerTimeoutMs,
    });
    const publisher = new BackbonePublisher({ node, js, names, auth, log });
    const consumer = new BackboneConsumer({
      node,
      js,
      jsm,
      names,
      auth,
      settings,
      log,
      onGap: (origins) => peers.requestSync(origins),
      onFreshConsumer: () => setTimeout(() => peers.requestChats(), 1000),
    });
    const live: LivePeersPartOptions = {
      nc: connection,
      names,
      auth,
      log,
      livePeers: () => peers.livePeerIds(),
      syncIntervalMs: this.#options.syncIntervalMs,
    };
    const events = new BackboneEvents({ ...live, node });
    const tokenNames = new BackboneTokenNames({ ...live, node });
    presence.start();
    peers.start();
    consumer.start();
    events.start();
    tokenNames.start();
    const ownMark = node.vector()[String(node.nodeId)] ?? 0;
    const inStream = await lastPublishedSeq(jsm, names, node.nodeId).catch(() => 0);
    publisher.start(inStream > 0 ? inStream : Math.max(0, ownMark - REPUBLISH_CAP));
    const unsubscribe = [
      node.onLocalCommitted(() => publisher.kick()),
      node.onLocalChatCreated((chat) =>
        publishChat({ js, names, auth, nodeId: node.nodeId, chat, log })
      ),
    ];
    log.info("backbone ready", { stream: names.stream, publishedUpTo: inStream, ownMark });
    return { peers, presence, publisher, consumer, events, tokenNames, unsubscribe };
  }

  /** Connects (retrying with capped backoff) until the parts run or the backbone closes. */
  async #connectLoop(): Promise<void> {
    const { node, log, servers } = this.#options;
    const signal = this.#stop.signal;
    let failures = 0;
    while (!signal.aborted && !this.#parts) {
      try {
        this.#nc = await connect({
          servers,
          name: `dsatter-node-${node.nodeId}`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          pingInterval: 5000,
        });
        log.info("backbone connected", { server: this.#nc.getServer(), servers: servers.length });
        void this.#watchStatus(this.#nc);
        this.#parts = await this.#runParts(this.#nc);
      } catch (error) {
        await this.#nc?.close().catch(() => {});
        this.#nc = undefined;
        if (signal.aborted) return;
        if (failures === 0 || failures % 20 === 0) {
          log.warn("Cannot use the backbone", {
            error: String((error as Error)?.message ?? error),
            failures,
          });
        }
        failures += 1;
        await sleep(backoffDelayMs(Math.min(failures, 10), { baseMs: 250, maxMs: 5000 }), signal);
      }
    }
  }

  async #watchStatus(connection: NatsConnection): Promise<void> {
    const { log } = this.#options;
    for await (const status of connection.status()) {
      if (status.type === "disconnect") {
        log.warn("backbone disconnected", { server: status.server });
      } else if (status.type === "reconnect") {
        log.info("backbone reconnected", { server: status.server });
        this.#parts?.publisher.kick();
      }
    }
  }
}
