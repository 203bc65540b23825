/**
 * How a DSatterClient is set up: who it is, where it finds nodes, what it
 * receives, and the seams it takes (sockets, fetch, time). Every option has
 * its default written here.
 * @module
 */

import type { BackoffOptions } from "../common/backoff.ts";
import { discoveryNodeSource } from "./discovery_source.ts";
import type { LivenessOptions } from "./liveness_monitor.ts";
import type { Dialer } from "./node_connection.ts";
import { nodeListSource } from "./node_list_source.ts";
import type { NodeSource } from "./node_source.ts";
import type { Timers } from "./timers.ts";
import type { WebSocketConstructor } from "./websocket_dialer.ts";

export interface DSatterClientOptions {
  /** The name this client speaks as (`hello`, sender of its messages): 1..64 characters. */
  name: string;
  /** Where to find nodes (one of three): discovery's URL, asked at each failover. */
  discovery?: string;
  /**
   * Or node WebSocket URLs (`ws://HOST:PORT/`), tried in order; the node the
   * client is on is asked for the other live nodes (its `GET /api/clients`).
   */
  nodes?: readonly string[];
  /** Or any source of node URLs. */
  source?: NodeSource;
  /** What to receive: every chat, or one chat id. @default "all" */
  follow?: "all" | number;
  /** Where send() goes without a chatId. @default the followed chat, else 11 */
  chatId?: number;
  /**
   * A user token (PROTOCOL.md section 6), sent as `?token=` on the WebSocket URL (the
   * one way a browser can) and as `Authorization: Bearer` to a node's `/api/clients`.
   * A function is asked again at every connect (a refreshed token is used at once).
   */
  token?: string | (() => string | undefined);
  /** Keep every chat's messages for timeline(). False for programs that only listen. @default true */
  timelines?: boolean;
  /** How often the node list is asked again while online. @default 30000 */
  peerRefreshMs?: number;
  /** Reconnect backoff. @default { baseMs: 300, maxMs: 8000 } */
  backoff?: BackoffOptions;
  /** @default { idleProbeMs: 15000, probeTimeoutMs: 10000 } */
  liveness?: LivenessOptions;
  /** @default 5000 */
  connectTimeoutMs?: number;
  /** Messages per resume page. @default 1000 */
  resumePageLimit?: number;
  /** Opens connections. @default WebSockets (the WebSocket option, else the global) */
  dial?: Dialer;
  /** @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default the runtime's timers */
  timers?: Timers;
  /** @default Math.random */
  random?: () => number;
  /** @default 32 random hex digits */
  newClientMsgId?: () => string;
}

/** The node source the options ask for; TypeError unless exactly one way is given. */
export function clientNodeSource(options: DSatterClientOptions): NodeSource {
  const ways = [options.discovery, options.nodes, options.source].filter((w) => w !== undefined);
  if (ways.length !== 1) {
    throw new TypeError("Cannot create DSatterClient: give one of discovery, nodes or source");
  }
  if (options.source) return options.source;
  if (options.discovery !== undefined) {
    return discoveryNodeSource({ discoveryUrl: options.discovery, fetch: options.fetch });
  }
  if (options.nodes!.length === 0) {
    throw new TypeError("Cannot create DSatterClient: nodes is empty");
  }
  const token = options.token;
  return nodeListSource({
    nodeUrls: options.nodes!,
    fetch: options.fetch,
    token: typeof token === "function" ? token : () => token,
  });
}
