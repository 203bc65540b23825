/**
 * `bun run server [flags]`: parses flags (and their DSATTER_ variables) and
 * wires the node's parts together (store -> identity -> chat node core ->
 * transport -> mesh), then runs until SIGINT/SIGTERM: /readyz turns 503, the
 * node leaves discovery and keeps serving for --drain-seconds, then stops
 * accepting, closes clients with 1001, flushes and closes the database, exits 0.
 * `bun run server backup|restore` are the operator commands (server/operations/).
 *
 * Invariants: the FIRST line on stdout is `listening on http(s)://HOST:PORT`
 * with a connectable HOST (never 0.0.0.0 or ::ffff:), printed once the node
 * serves; nothing is printed before it. Exit 2 for a usage error, 1 for a
 * refused configuration (common/exit_code.ts).
 * @module
 */

import * as fs from "node:fs";
import { dirname } from "node:path";
import process from "node:process";
import type { ClientEntry } from "../common/discovery_protocol.ts";
import { ExitCode } from "../common/exit_code.ts";
import { ChatNode, type ChatNodeOptions } from "./core/chat_node.ts";
import { NODE_BUILD_INFO } from "./process/build_info.ts";
import { createOutbound } from "./process/outbound.ts";
import { createNodeShutdown, stopOnSignals } from "./process/node_shutdown.ts";
import { createReadiness } from "./process/readiness.ts";
import { startupIdentity } from "./process/startup_identity.ts";
import type { Logger } from "../common/logger.ts";
import { MetricsRegistry, registerNodeMetrics } from "./observability/metrics_registry.ts";
import {
  type NodeServer,
  type NodeServerOptions,
  startNodeServer,
} from "./transport/bun_transport.ts";
import { startPeerNetwork } from "./mesh/peer_network.ts";
import type { Replicator } from "./replication/replicator.ts";
import { meshTimingFromEnv } from "./config/mesh_timing.ts";
import { backboneSettingsFromEnv } from "./config/backbone_settings.ts";
import { connectableHost, httpUrl } from "./config/node_address_flags.ts";
import { transportLimits } from "./config/abuse_limits.ts";
import { runOperatorCommand } from "./operations/operator_command.ts";
import { offsetClock } from "./config/clock_offset.ts";
import { HOLD_ACKS_LINE } from "./config/test_hold_acks.ts";
import { exitWith, settle, type StartSettings } from "./config/start_settings.ts";
import type { NodeIdentity } from "./store/message_store.ts";
import { SqliteMessageStore } from "./store/sqlite_message_store.ts";
import { loadWebRoute } from "./transport/web_route.ts";
import { createUserAuth } from "./transport/user_auth.ts";
import { createOriginPolicy, loopbackHostCheck } from "./transport/origin_policy.ts";

/** Strike score (about that many refused frames in a short while) before 1008. */
const RATE_LIMIT_STRIKES_BEFORE_CLOSE = 100;

function listenOrExit(options: NodeServerOptions): NodeServer {
  try {
    return startNodeServer(options);
  } catch (error) {
    const where = `${options.hostname}:${options.port}`;
    exitWith(`Cannot listen on ${where}: ${(error as Error).message}`, ExitCode.refused);
  }
}

function openStoreOrExit(dbPath: string, logger: Logger): SqliteMessageStore {
  try {
    if (dbPath !== ":memory:") fs.mkdirSync(dirname(dbPath), { recursive: true });
    return new SqliteMessageStore(dbPath, {
      onCheckpointError: (error) => logger.warn("checkpoint failed", { error: error.message }),
    });
  } catch (error) {
    exitWith((error as Error).message, ExitCode.refused);
  }
}

/**
 * Identity: registered once with discovery (kept in the store), else local. While a new node
 * waits for discovery, its port already answers /healthz and /readyz (503).
 */
function identityOrExit(
  settings: StartSettings,
  store: SqliteMessageStore,
  outbound: ReturnType<typeof createOutbound>,
) {
  return startupIdentity({
    config: settings.config,
    store,
    secret: settings.secret,
    logger: settings.logger,
    tls: settings.files.tls,
    fetch: outbound.fetch,
  }).catch((error) => exitWith((error as Error).message, ExitCode.refused));
}

/** The transport's options that come from the flags and the store. */
function transportOptions(
  settings: StartSettings,
  parts: { store: SqliteMessageStore; node: ChatNode; identity: NodeIdentity; port: number },
) {
  const { config, logger, secret } = settings;
  return {
    logger,
    hostname: config.host,
    port: parts.port,
    idleTimeoutSeconds: config.idleTimeoutSeconds,
    rateLimit: {
      perSecond: config.rateLimitPerSecond,
      burst: config.rateLimitPerSecond * 10,
      strikesBeforeClose: RATE_LIMIT_STRIKES_BEFORE_CLOSE,
    },
    ...transportLimits(config.limits),
    tls: settings.files.tls,
    admin: {
      secret,
      dbPath: config.dbPath,
      nodeId: parts.identity.nodeId,
      // Between two group commits: the store then holds nothing that is not durable.
      backupTo: (path: string) => parts.node.whenQuiet(() => parts.store.backupTo(path)),
      schemaVersion: () => parts.store.schemaVersion(),
      logger,
    },
  };
}

/** The first stdout line, `listening on URL`, then the ready log lines. */
function announceReady(
  settings: StartSettings,
  parts: { node: ChatNode; store: SqliteMessageStore; identity: NodeIdentity; port: number },
): void {
  const { config, logger, files, clockOffsetMs } = settings;
  const { store } = parts;
  const advertisedHost = connectableHost(config.host, config.advertise);
  console.log(`listening on ${httpUrl(advertisedHost, parts.port, files.tls !== undefined)}`);
  if (store.migration.from !== store.migration.to) {
    logger.info("database schema migrated", { ...store.migration, db: config.dbPath });
  }
  logger.info("node ready", {
    nodeId: parts.node.nodeId,
    identity: parts.identity.origin,
    mode: config.mode.kind,
    transport: config.backbone ? "nats" : "mesh",
    auth: settings.auth.mode,
    db: config.dbPath,
    schema: store.schemaVersion(),
    tls: files.tls !== undefined,
    messages: store.countMessages(),
    ...(clockOffsetMs === 0 ? {} : { clockOffsetMs }),
  });
}

/**
 * Replication: the mesh (accepts /peer, dials --peers or discovery's nodes, docs/MESH.md) or, with
 * --backbone, a NATS JetStream stream (docs/BACKBONE.md); loaded only then, so a mesh node never
 * loads the NATS client.
 */
async function startReplication(
  settings: StartSettings,
  parts: {
    node: ChatNode;
    registry: MetricsRegistry;
    transport: NodeServer;
    identity: NodeIdentity;
    outbound: ReturnType<typeof createOutbound>;
    env: (name: string) => string | undefined;
    onMixedStart: (message: string) => void;
  },
): Promise<Replicator> {
  const { config, secret, logger, files } = settings;
  const { node, registry, transport, identity, outbound, env, onMixedStart } = parts;
  const timing = meshTimingFromEnv(env);
  if (config.backbone && config.mode.kind === "discovery") {
    return (await import("./backbone/backbone_network.ts")).startBackbone({
      node,
      host: transport,
      secret,
      log: logger,
      metrics: registry,
      servers: config.backbone,
      settings: backboneSettingsFromEnv(env, config.backbone.length),
      discovery: {
        url: config.mode.discoveryUrl,
        identity,
        advertise: config.advertise,
        region: config.region,
        tls: files.tls !== undefined,
        fetch: outbound.fetch,
      },
      onMixedStart,
      ...timing,
    });
  }
  return startPeerNetwork({
    node,
    metrics: registry,
    secret,
    log: logger,
    transport,
    mode: config.mode,
    identity,
    advertise: config.advertise,
    advertisePeer: config.advertisePeer,
    region: config.region,
    outbound,
    tls: files.tls !== undefined,
    onMixedStart,
    ...timing,
  });
}

/** The transport (clients, REST, /peer) with user auth and the Origin and Host checks. */
async function startTransport(
  settings: StartSettings,
  parts: {
    store: SqliteMessageStore;
    node: ChatNode;
    identity: NodeIdentity;
    registry: MetricsRegistry;
    metrics: ChatNodeOptions["metrics"];
    port: number;
    readiness: ReturnType<typeof createReadiness>;
    peerClients: () => ClientEntry[];
    knownClients: () => ClientEntry[];
  },
): Promise<NodeServer> {
  const { config, logger } = settings;
  const { node, readiness } = parts;
  const advertisedHost = connectableHost(config.host, config.advertise);
  let transport: NodeServer | undefined = undefined;
  transport = listenOrExit({
    ...transportOptions(settings, parts),
    node,
    registry: parts.registry,
    metrics: parts.metrics,
    webRoute: await loadWebRoute(logger),
    peerClients: parts.peerClients,
    readiness: () => readiness.phase(),
    auth: createUserAuth({
      mode: settings.auth.mode,
      secret: settings.auth.secret,
      leewaySeconds: config.tokenLeewaySeconds,
      maxLifetimeSeconds: config.maxTokenLifetimeSeconds,
      onTokenHolder: (name) => void node.tokenNames.noteHolder(name),
    }),
    originPolicy: createOriginPolicy({
      allowedOrigins: config.allowedOrigins,
      self: () => ({ address: advertisedHost, clientport: transport?.port ?? parts.port }),
      peers: parts.knownClients,
    }),
    hostCheck: loopbackHostCheck(config.host, advertisedHost),
  });
  return transport;
}

/** The chat node core; it publishes through the transport once that exists. */
function createChatNode(
  settings: StartSettings,
  parts: {
    store: SqliteMessageStore;
    identity: NodeIdentity;
    metrics: ChatNodeOptions["metrics"];
    transport: () => NodeServer | undefined;
    onFatal: () => void;
  },
): ChatNode {
  const { logger } = settings;
  const transport = parts.transport;
  return new ChatNode({
    store: parts.store,
    nodeId: parts.identity.nodeId,
    metrics: parts.metrics,
    logger,
    clock: offsetClock(settings.clockOffsetMs),
    maxClockAheadMs: settings.config.limits.maxClockAheadMs,
    publisher: {
      publish: (topic, data) => transport()?.publish(topic, data),
      publishMessage: (message, frame) => transport()?.publishMessage(message, frame),
      subscriberCount: (topic) => transport()?.subscriberCount(topic) ?? 0,
      publishToReaders: (chatId, data, filter) =>
        transport()?.publishToReaders(chatId, data, filter),
    },
    onFatal: parts.onFatal,
    pauseWhenDurable: settings.holdAcks
      ? () => {
        logger.warn(HOLD_ACKS_LINE);
        return new Promise<void>(() => {});
      }
      : undefined,
    authMode: settings.auth.mode,
    commitCycleMs: settings.commitCycleMs,
  });
}

async function main(): Promise<void> {
  const env = (name: string) => process.env[name];
  const argv = process.argv.slice(2);
  const command = await runOperatorCommand(argv, env);
  if (command !== undefined) process.exit(command);
  // Everything this node creates (database, -wal, -shm, backups, secret file) is private.
  process.umask(0o077);
  const settings = settle(argv, env);
  const { config, logger, files } = settings;
  const outbound = createOutbound(files.caPem);

  const store = openStoreOrExit(config.dbPath, logger);

  const readiness = createReadiness();
  const started = await identityOrExit(settings, store, outbound);
  const { identity } = started;

  const registry = new MetricsRegistry();
  const metrics = registerNodeMetrics(registry, NODE_BUILD_INFO);
  // Assigned once below; the core's publisher and the stop sequence reach them from closures.
  // deno-lint-ignore prefer-const
  let transport: NodeServer | undefined;
  // deno-lint-ignore prefer-const
  let mesh: Replicator | undefined;
  const shutdown = createNodeShutdown({
    readiness,
    logger,
    drainSeconds: config.drainSeconds,
    leaveDiscovery: async () => await mesh?.leaveDiscovery(),
    async close() {
      await mesh?.close();
      await transport?.stop();
      await node.close();
      store.close();
    },
  });
  const node = createChatNode(settings, {
    store,
    identity,
    metrics,
    transport: () => transport,
    onFatal: () => void shutdown(1),
  });

  // The web page's failover list (GET /api/clients), and every node seen (the Origin check),
  // known once the mesh has started.
  let peerClients: () => ClientEntry[] = () => [];
  let knownClients: () => ClientEntry[] = () => [];
  transport = await startTransport(settings, {
    store,
    node,
    identity,
    registry,
    metrics,
    port: started.port,
    readiness,
    peerClients: () => peerClients(),
    knownClients: () => knownClients(),
  });
  announceReady(settings, { node, store, identity, port: transport.port });
  readiness.markServing();

  mesh = await startReplication(settings, {
    node,
    registry,
    transport,
    identity,
    outbound,
    env,
    onMixedStart: (message) => {
      logger.error(message);
      void shutdown(1);
    },
  });
  const network = mesh;
  peerClients = () => network.peerClients();
  knownClients = () => network.knownClients();
  stopOnSignals(shutdown, logger);
}

await main();
