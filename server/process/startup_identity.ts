/**
 * The node's identity at start, with the port already answering probes while
 * it may have to wait: a node in discovery mode with no stored id registers
 * first, and until discovery answers, a starting listener on the node's port
 * says alive (/healthz) and not ready (/readyz 503). Every other node already
 * has its id (stored, or made locally) and starts at once.
 *
 * Invariant: the returned port is where the real server must listen (the
 * starting listener is stopped by then); the stdout `listening on` line is
 * not printed here (it means "serving", and comes from main.ts afterwards).
 * @module
 */

import type { Logger } from "../../common/logger.ts";
import type { ServerConfig } from "../config/server_flags.ts";
import { obtainDiscoveryIdentity } from "../membership/discovery_identity.ts";
import { loadOrCreateLocalIdentity } from "../membership/local_identity.ts";
import type { MessageStore, NodeIdentity } from "../store/message_store.ts";
import type { ServeTls } from "../transport/bun_transport.ts";
import { startStartingListener } from "../transport/starting_listener.ts";

export interface StartupIdentityOptions {
  config: ServerConfig;
  store: MessageStore;
  secret: string;
  logger: Logger;
  tls?: ServeTls;
  /** The fetch that reaches discovery (trusting `--ca`). */
  fetch: typeof fetch;
}

export interface StartupIdentity {
  identity: NodeIdentity;
  /** The port to serve on: `--port`, or the one the starting listener got for `--port 0`. */
  port: number;
}

export async function startupIdentity(options: StartupIdentityOptions): Promise<StartupIdentity> {
  const { config, store, logger } = options;
  if (config.mode.kind !== "discovery") {
    return { identity: loadOrCreateLocalIdentity(store), port: config.port };
  }
  const stored = store.loadIdentity();
  if (stored?.origin === "discovery") return { identity: stored, port: config.port };
  const discoveryUrl = config.mode.discoveryUrl;
  const starting = startStartingListener({
    hostname: config.host,
    port: config.port,
    tls: options.tls,
    reason: "waiting for discovery to give this node an id",
  });
  logger.warn("waiting for discovery before serving", {
    discovery: discoveryUrl,
    port: starting.port,
    readyz: 503,
  });
  try {
    const identity = await obtainDiscoveryIdentity({
      store,
      discoveryUrl,
      secret: options.secret,
      log: logger,
      fetch: options.fetch,
    });
    return { identity, port: starting.port };
  } finally {
    await starting.stop();
  }
}
