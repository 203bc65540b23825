/**
 * `bun run server [flags]`: parses flags and wires the node's parts together
 * (store -> identity -> chat node core -> transport -> mesh), then runs until
 * SIGINT/SIGTERM: stop accepting, close clients with 1001, flush and close the
 * database, exit 0.
 *
 * Invariant: the FIRST line on stdout is `listening on http://HOST:PORT` with a
 * connectable HOST (never 0.0.0.0 or ::ffff:); nothing is printed before it.
 * @module
 */

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import process from "node:process";
import { isProduction } from "../common/cluster_secret.ts";
import type { ClientEntry } from "../common/discovery_protocol.ts";
import { ChatNode } from "./core/chat_node.ts";
import { watchScriptRunnerParent } from "./process/parent_watch.ts";
import { clusterSecretFromDataDir } from "./process/cluster_secret_file.ts";
import { createLogger } from "./observability/logger.ts";
import { MetricsRegistry, registerNodeMetrics } from "./observability/metrics_registry.ts";
import { type NodeServer, startNodeServer } from "./transport/bun_transport.ts";
import { loadOrCreateLocalIdentity } from "./membership/local_identity.ts";
import { obtainDiscoveryIdentity } from "./membership/discovery_identity.ts";
import { startPeerNetwork } from "./mesh/peer_network.ts";
import { meshTimingFromEnv } from "./config/mesh_timing.ts";
import { clockOffsetFromEnv, offsetWallClock } from "./config/clock_offset.ts";
import { connectableHost, httpUrl, parseServerFlags } from "./config/server_flags.ts";
import { SqliteMessageStore } from "./store/sqlite_message_store.ts";
import { loadWebRoute } from "./transport/web_route.ts";

/** Refused frames in a row before a flooding client is closed with 1008. */
const RATE_LIMIT_STRIKES_BEFORE_CLOSE = 100;

function exitWith(message: string, code: number): never {
  console.error(message);
  process.exit(code);
}

async function main(): Promise<void> {
  const env = (name: string) => process.env[name];
  const dataDir = env("DSATTER_DATA_DIR") || "data";
  const flags = parseServerFlags(process.argv.slice(2), dataDir);
  if (flags.kind === "help") {
    console.log(flags.text);
    return;
  }
  if (flags.kind === "error") exitWith(`${flags.message}\n(try --help)`, 2);
  const config = flags.config;
  const production = isProduction(env);
  const logger = createLogger({ verbose: config.verbose && !production, json: production });

  const clockOffset = clockOffsetFromEnv(env, production);
  if (!clockOffset.ok) exitWith(clockOffset.error, 1);

  const secret = clusterSecretFromDataDir(dataDir, env);
  if (!secret.ok) exitWith(secret.error, 1);
  if (secret.warning) logger.warn(secret.warning);

  let store: SqliteMessageStore;
  try {
    mkdirSync(dirname(config.dbPath), { recursive: true });
    store = new SqliteMessageStore(config.dbPath);
  } catch (error) {
    exitWith((error as Error).message, 1);
  }

  // Identity: registered once with discovery in discovery mode (kept in the store), else local.
  const identity = config.mode.kind === "discovery"
    ? await obtainDiscoveryIdentity({
      store,
      discoveryUrl: config.mode.discoveryUrl,
      secret: secret.secret,
      log: logger,
    })
    : loadOrCreateLocalIdentity(store);

  const registry = new MetricsRegistry();
  const metrics = registerNodeMetrics(registry);
  let transport: NodeServer | undefined;
  let shuttingDown = false;
  const node = new ChatNode({
    store,
    nodeId: identity.nodeId,
    metrics,
    logger,
    wallClockMs: offsetWallClock(clockOffset.offsetMs),
    publisher: {
      publish: (topic, data) => transport?.publish(topic, data),
      publishMessage: (message, frame) => transport?.publishMessage(message, frame),
      subscriberCount: (topic) => transport?.subscriberCount(topic) ?? 0,
    },
    onFatal: () => void shutdown(1),
  });

  // The web page's failover list (GET /api/clients), known once the mesh has started.
  let peerClients: () => ClientEntry[] = () => [];
  const webRoute = await loadWebRoute(logger);
  try {
    transport = startNodeServer({
      node,
      registry,
      metrics,
      logger,
      hostname: config.host,
      port: config.port,
      webRoute,
      peerClients: () => peerClients(),
      idleTimeoutSeconds: config.idleTimeoutSeconds,
      rateLimit: {
        perSecond: config.rateLimitPerSecond,
        burst: config.rateLimitPerSecond * 10,
        strikesBeforeClose: RATE_LIMIT_STRIKES_BEFORE_CLOSE,
      },
    });
  } catch (error) {
    exitWith(`Cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`, 1);
  }
  const advertisedHost = connectableHost(config.host, config.advertise);
  console.log(`listening on ${httpUrl(advertisedHost, transport.port)}`);
  logger.info("node ready", {
    nodeId: node.nodeId,
    identity: identity.origin,
    mode: config.mode.kind,
    db: config.dbPath,
    messages: store.countMessages(),
    ...(clockOffset.offsetMs === 0 ? {} : { clockOffsetMs: clockOffset.offsetMs }),
  });

  // The mesh: accepts /peer, dials --peers or discovery's nodes (docs/MESH.md).
  const mesh = startPeerNetwork({
    node,
    metrics: registry,
    secret: secret.secret,
    log: logger,
    transport,
    mode: config.mode,
    identity,
    advertise: config.advertise,
    advertisePeer: config.advertisePeer,
    region: config.region,
    ...meshTimingFromEnv(env),
  });
  peerClients = () => mesh.peerClients();
  const closeMesh = () => mesh.close();

  async function shutdown(exitCode: number): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info("node stopping", { exitCode });
    try {
      await closeMesh();
      await transport?.stop();
      node.close();
      store.close();
    } catch (error) {
      logger.error("shutdown failed", { error: (error as Error).message });
      exitCode = exitCode || 1;
    }
    process.exit(exitCode);
  }

  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  // `bun run server` killed with SIGKILL cannot pass the signal on: stop as if it had.
  watchScriptRunnerParent(() => {
    logger.info("parent process gone, stopping");
    void shutdown(0);
  });
  process.on("unhandledRejection", (reason) => {
    logger.error("unhandled rejection", { error: String(reason) });
  });
}

await main();
